import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  baseUrl: string;
  /** Every request received, in arrival order. */
  received: ReceivedWebhook[];
  /** The requests received on one path. */
  on(path: string): ReceivedWebhook[];
  /** Requests received and not yet answered. */
  inFlight(): number;
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  /**
   * The status for each request, by path and how many came before on that path; 200 by default.
   * A promise holds the answer until it settles, so a test can change the world in between.
   */
  answer?: (path: string, earlier: number) => number | Promise<number>;
  /** Answer this long after a request arrives, as a slow receiver would. */
  delayMs?: number;
  port?: number;
}

/** A real HTTP server that records what it is sent and answers as told. */
export async function startWebhookReceiver(
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const answer = options.answer ?? (() => 200);
  const received: ReceivedWebhook[] = [];
  let inFlight = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const earlier = received.filter((entry) => entry.path === path).length;
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString() });
      inFlight++;
      setTimeout(() => {
        void Promise.resolve(answer(path, earlier)).then((status) => {
          inFlight--;
          response.statusCode = status;
          response.end();
        });
      }, options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${bound}`,
    received,
    on: (path) => received.filter((entry) => entry.path === path),
    inFlight: () => inFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
