import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningSchemaRegistry {
  /** The Confluent-compatible API's base URL. */
  url: string;
  /** Every request it answered, as `METHOD path`, for tests to check what a client asked. */
  requests: string[];
  stop(): Promise<void>;
}

const REGISTRY_JSON = 'application/vnd.schemaregistry.v1+json';

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A stand-in for a Schema Registry's Confluent-compatible REST API, in-process: the three
 * calls carelog makes, answered in the shapes the API documents (`POST
 * /subjects/{subject}/versions` → `{"id"}`, the same id for the same schema text; `GET
 * /schemas/ids/{id}` → `{"schema"}`, 404 with `error_code` 40403 for an unknown id; `GET
 * /subjects`). No real registry could be run here (README, "Event consumers").
 */
export async function startSchemaRegistry(): Promise<RunningSchemaRegistry> {
  const schemas: string[] = [];
  const subjects = new Map<string, number[]>();
  const requests: string[] = [];
  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'Content-Type': REGISTRY_JSON });
    response.end(JSON.stringify(body));
  };
  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(`${request.method} ${path}`);
    void (async () => {
      const register = /^\/subjects\/([^/]+)\/versions$/.exec(path);
      const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
      if (request.method === 'POST' && register?.[1]) {
        const { schema } = JSON.parse(await bodyOf(request)) as { schema?: unknown };
        if (typeof schema !== 'string')
          return answer(response, 422, { error_code: 42201, message: 'Invalid schema' });
        let id = schemas.indexOf(schema) + 1;
        if (id === 0) id = schemas.push(schema);
        const subject = decodeURIComponent(register[1]);
        const ids = subjects.get(subject) ?? [];
        if (!ids.includes(id)) subjects.set(subject, [...ids, id]);
        return answer(response, 200, { id });
      }
      if (request.method === 'GET' && byId?.[1]) {
        const schema = schemas[Number(byId[1]) - 1];
        return schema === undefined
          ? answer(response, 404, { error_code: 40403, message: 'Schema not found' })
          : answer(response, 200, { schema });
      }
      if (request.method === 'GET' && path === '/subjects')
        return answer(response, 200, [...subjects.keys()]);
      return answer(response, 404, { error_code: 404, message: 'HTTP 404 Not Found' });
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise((done) => server.close(() => done())),
  };
}
