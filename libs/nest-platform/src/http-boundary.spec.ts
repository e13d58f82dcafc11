import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Body, Controller, Get, Module, Param, Post, Query } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { checkQueryString, jsonDepth, MAX_JSON_DEPTH } from './http-boundary';
import { createHttpService } from './http-service';

@Controller('echo')
class EchoController {
  @Post()
  echo(@Body() body: unknown): unknown {
    return { body };
  }

  @Get(':id')
  one(@Param('id') id: string, @Query() query: Record<string, unknown>): unknown {
    return { id, query };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

/** Sends bytes as they are (fetch would refuse or fix many of these) and reads the answer. */
function rawRequest(
  port: number,
  request: string | Buffer,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      resolve({ status, type, body });
    });
    // Not ended: Node closes a half-closed socket before a slow (inflated) answer is written.
    socket.write(request);
  });
}

describe('the HTTP boundary of every service (no servers needed)', () => {
  let app: NestExpressApplication;
  let port: number;

  beforeAll(async () => {
    app = await createHttpService({ name: 'echo', description: 'under test', module: EchoModule });
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  const post = (headers: Record<string, string>, body: Buffer | string) =>
    rawRequest(
      port,
      Buffer.concat([
        Buffer.from(
          `POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            Object.entries(headers)
              .map(([name, value]) => `${name}: ${value}\r\n`)
              .join('') +
            '\r\n',
        ),
        Buffer.isBuffer(body) ? body : Buffer.from(body),
      ]),
    );

  const get = (target: string, extraHeaders = '') =>
    rawRequest(
      port,
      `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extraHeaders}\r\n`,
    );

  const expectProblem = (
    answer: { status: number; type: string; body: string },
    status: number,
    code: string,
  ) => {
    expect({ status: answer.status, type: answer.type }).toEqual({
      status,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(JSON.parse(answer.body)).toMatchObject({ status, code });
  };

  it.each([
    [
      'charset=latin1',
      { 'Content-Type': 'application/json; charset=latin1' },
      '{}',
      415,
      'unsupported-charset',
    ],
    [
      'charset=utf-16',
      { 'Content-Type': 'application/json; charset=utf-16' },
      '{}',
      415,
      'unsupported-charset',
    ],
    [
      'gzip on a plain body',
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      '{"a":1}',
      400,
      'malformed-body',
    ],
    [
      'br on a plain body',
      { 'Content-Type': 'application/json', 'Content-Encoding': 'br' },
      '{"a":1}',
      400,
      'malformed-body',
    ],
    [
      'an unknown encoding',
      { 'Content-Type': 'application/json', 'Content-Encoding': 'x-magic' },
      '{}',
      415,
      'unsupported-content-encoding',
    ],
    ['malformed JSON', { 'Content-Type': 'application/json' }, '{"a":', 400, 'malformed-json'],
    [
      'JSON nested 100,000 deep',
      { 'Content-Type': 'application/json' },
      `{"ignored":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      400,
      'body-too-deep',
    ],
    [
      'a body over the limit',
      { 'Content-Type': 'application/json' },
      `{"a":"${'x'.repeat(1_100_000)}"}`,
      413,
      'payload-too-large',
    ],
  ])('%s answers problem+json', async (_name, headers, body, status, code) => {
    expectProblem(await post(headers, body), status, code);
  });

  it('reads a real gzip body, and JSON nested to the limit', async () => {
    const nested = `${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}`;
    const answer = await post(
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      gzipSync(`{"a":${nested}}`),
    );
    expect(answer.status).toBe(201);
  });

  it('answers headers over 16 KB with problem+json, not a bare 431', async () => {
    expectProblem(
      await get('/echo/1', `X-Big: ${'a'.repeat(20_000)}\r\n`),
      431,
      'headers-too-large',
    );
  });

  it('answers a request that is not HTTP with problem+json', async () => {
    const answer = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    expectProblem(answer, 400, 'malformed-request');
  });

  it.each([
    ['/echo/1?type=A&type=B', 'repeated-parameter', 'type'],
    ['/echo/1?expand=a&expand=b', 'repeated-parameter', 'expand'],
    ['/echo/1?asAt[]=2026-01-01T00:00:00Z', 'invalid-parameter', 'asAt'],
    ['/echo/1?setting[]=gp', 'invalid-parameter', 'setting'],
    ['/echo/1?setting[gp]=1', 'invalid-parameter', 'setting'],
    ['/echo/1?reason=a%00b', 'invalid-parameter', 'reason'],
    ['/echo/1?x=%E0%A4%A', 'invalid-parameter', 'x'],
    ['/echo/94347%0065919', 'invalid-path', 'path'],
    ['/echo/%E0%A4%A', 'invalid-path', 'path'],
  ])('%s is refused naming %s', async (target, code, field) => {
    const answer = await get(target);
    expectProblem(answer, 400, code);
    expect(JSON.parse(answer.body)).toMatchObject({ field: field === 'x' ? 'x' : field });
  });

  it('answers an unknown route with problem+json', async () => {
    expectProblem(await get('/nowhere'), 404, 'route-not-found');
  });

  it('passes single-valued parameters through', async () => {
    const answer = await get('/echo/1?type=A&view=gp');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ id: '1', query: { type: 'A', view: 'gp' } });
  });
});

describe('jsonDepth and checkQueryString', () => {
  it('counts nesting outside strings only', () => {
    expect(jsonDepth(Buffer.from('{"a":[1,{"b":"[[[{{{\\"["}]}'))).toBe(3);
    expect(jsonDepth(Buffer.from('1'))).toBe(0);
  });

  it('allows an empty query and single values', () => {
    expect(() => checkQueryString('')).not.toThrow();
    expect(() => checkQueryString('a=1&b=2&c')).not.toThrow();
  });
});
