import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Param } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DomainError } from '@carelog/domain';
import { createHttpService } from './http-service';
import { MetricsModule } from './metrics';

@Controller('probe')
class ProbeController {
  @Get(':id')
  one(@Param('id') id: string): unknown {
    if (id === 'bad') throw new DomainError('invalid-id', 'must be a UUID', 'id');
    if (id === 'broken') throw new Error('boom');
    return { ok: true };
  }
}

@Module({ imports: [MetricsModule], controllers: [ProbeController] })
class ProbeModule {}

describe('HTTP metrics on every service', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await createHttpService({
      name: 'probe',
      description: 'under test',
      module: ProbeModule,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('counts durations and errors by method, route template and status, never by path', async () => {
    for (const id of ['9434765919', '9434765919', 'bad', 'broken'])
      await (await fetch(`${url}/probe/${id}`)).text();
    await (await fetch(`${url}/no/such/route`)).text();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const route = 'method="GET",route="/probe/:id"';
    expect(metrics).toContain(
      `carelog_http_request_duration_seconds_count{${route},status="200"} 2`,
    );
    expect(metrics).toContain(`carelog_http_errors_total{${route},status="400"} 1`);
    expect(metrics).toContain(`carelog_http_errors_total{${route},status="500"} 1`);
    expect(metrics).not.toContain(`carelog_http_errors_total{${route},status="200"}`);
    expect(metrics).toContain(
      'carelog_http_errors_total{method="GET",route="unmatched",status="404"} 1',
    );
    expect(metrics).not.toContain('9434765919');
    // The Kafka clients' metrics are served beside them.
    expect(metrics).toContain('# TYPE carelog_publish_duration_seconds histogram');
  });
});
