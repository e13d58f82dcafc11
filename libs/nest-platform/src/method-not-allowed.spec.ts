import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHttpService } from './http-service';

@Controller('things')
class ThingsController {
  @Get(':id')
  one(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Post()
  create(): { id: string } {
    return { id: 'new' };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

describe('a method the OpenAPI document does not list for a path it lists', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await createHttpService({
      name: 'things',
      description: 'under test',
      module: ThingsModule,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it.each(['OPTIONS', 'DELETE', 'PUT', 'PATCH'])(
    '%s /things/1 is 405 method-not-allowed, with Allow naming what is',
    async (method) => {
      const response = await fetch(`${url}/things/1`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.json()).toMatchObject({ status: 405, code: 'method-not-allowed' });
    },
  );

  it('lists every method of the path, and leaves the declared ones and unknown paths alone', async () => {
    const refused = await fetch(`${url}/things`, { method: 'PUT' });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('POST');
    expect((await fetch(`${url}/things/7`)).status).toBe(200);
    expect((await fetch(`${url}/things`, { method: 'POST' })).status).toBe(201);
    const unknown = await fetch(`${url}/nothing/here`, { method: 'DELETE' });
    expect(unknown.status).toBe(404);
  });
});
