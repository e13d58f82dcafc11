import type { AddressInfo } from 'node:net';
import { Controller, Get, Logger, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureLogging, LOG_LINE_KEYS } from '@carelog/kafka';
import { createHttpService } from './http-service';

const NHS_NUMBER = '9434765919';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

@Controller('v1/patients')
class PatientsController {
  private readonly logger = new Logger('Patients');

  @Get(':nhsNumber/things')
  things(): { ok: boolean } {
    this.logger.warn('things asked for');
    return { ok: true };
  }
}

@Module({ controllers: [PatientsController] })
class LoggedModule {}

type Line = Record<string, unknown>;

describe('every line a service writes has one shape, with its trace and request ids', () => {
  const lines: string[] = [];
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    configureLogging({ level: 'info', sink: (line) => lines.push(line) });
    app = await createHttpService({
      name: 'logged',
      description: 'under test',
      module: LoggedModule,
    });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  const parsed = (): Line[] => lines.map((line) => JSON.parse(line) as Line);
  const forRequest = (requestId: string) =>
    parsed().filter((line) => line['requestId'] === requestId);

  it("carries the caller's traceparent and request id on the handler's lines and the request line", async () => {
    const response = await fetch(`${url}/v1/patients/${NHS_NUMBER}/things`, {
      headers: {
        traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
        'x-request-id': 'client-req-42',
      },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('client-req-42');
    const mine = forRequest('client-req-42');
    expect(mine.map((line) => [line['logger'], line['message']])).toEqual([
      ['nest.Patients', 'things asked for'],
      ['http', 'request answered'],
    ]);
    for (const line of mine) expect(line['traceId']).toBe(TRACE_ID);
    // The request line names the route template and status, never the path.
    expect(mine[1]).toMatchObject({
      method: 'GET',
      route: '/v1/patients/:nhsNumber/things',
      status: 200,
      service: 'logged',
      level: 'info',
    });
    expect(lines.join('\n')).not.toContain(NHS_NUMBER);
  });

  it('makes a new request id when the caller sends none or one that is not a plain token', async () => {
    for (const sent of [undefined, 'two words', '{"level":"error"}']) {
      const response = await fetch(`${url}/v1/patients/${NHS_NUMBER}/things`, {
        headers: sent === undefined ? {} : { 'x-request-id': sent },
      });
      const requestId = response.headers.get('x-request-id') ?? '';
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      // Without a traceparent the request starts its own trace, named on its lines.
      const mine = forRequest(requestId);
      expect(mine).toHaveLength(2);
      expect(mine[0]?.['traceId']).toMatch(/^[0-9a-f]{32}$/);
      expect(mine[0]?.['traceId']).toBe(mine[1]?.['traceId']);
    }
  });

  it("writes Nest's own start-up lines and an unmatched route's line in the same shape", async () => {
    await fetch(`${url}/no/such/route`);
    const all = parsed();
    expect(all.some((line) => String(line['logger']).startsWith('nest.Router'))).toBe(true);
    expect(all.some((line) => line['route'] === 'unmatched' && line['status'] === 404)).toBe(true);
    for (const line of all) {
      expect(Object.keys(line).slice(0, LOG_LINE_KEYS.length)).toEqual([...LOG_LINE_KEYS]);
      expect(line['service']).toBe('logged');
      expect(Date.parse(String(line['time']))).not.toBeNaN();
    }
  });
});
