import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { parse } from 'yaml';
import { ASYNCAPI_DOCUMENT, createHttpService } from './http-service';

@Module({})
class EmptyModule {}

describe('every HTTP service serves the AsyncAPI document', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await createHttpService({ name: 'docs', description: 'under test', module: EmptyModule });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('at /docs/asyncapi, as YAML, the committed schemas/asyncapi.yaml', async () => {
    const response = await fetch(`${url}/docs/asyncapi`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/yaml');
    const text = await response.text();
    expect(text).toBe(readFileSync(ASYNCAPI_DOCUMENT, 'utf8'));
    expect((parse(text) as { asyncapi: string }).asyncapi).toBe('3.0.0');
  });

  it('beside the OpenAPI document, which still answers at /docs-json', async () => {
    const response = await fetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });
});
