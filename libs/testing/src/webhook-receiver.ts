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
  close(): Promise<void>;
}

/**
 * A real HTTP server that records what it is sent. `answer` gives the status for each
 * request (by path and how many came before on that path); 200 unless it says otherwise.
 */
export async function startWebhookReceiver(
  answer: (path: string, earlier: number) => number = () => 200,
  port = 0,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const earlier = received.filter((entry) => entry.path === path).length;
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.statusCode = answer(path, earlier);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${bound}`,
    received,
    on: (path) => received.filter((entry) => entry.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
