import { Controller, Get, Header, Module } from '@nestjs/common';
import { ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiAnswer } from './openapi';
import { kafkaMetricsRegistry } from '@carelog/kafka';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** One Prometheus registry per process; services add their own counters and gauges to it. */
export const metricsRegistry = new Registry();
/**
 * The event-loop delay is sampled once a second, not every 10 ms (prom-client's default): the
 * default wakes an idle process 100 times a second, about 0.5 % of a core on a busy machine.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 1000;
collectDefaultMetrics({
  register: metricsRegistry,
  eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
});

/** Every request's duration, by method, route template (never the path) and status. */
export const httpRequestDuration = new Histogram({
  name: 'carelog_http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
/** Answers with a 4xx or 5xx status, by method, route template and status. */
export const httpErrors = new Counter({
  name: 'carelog_http_errors_total',
  help: 'HTTP answers with a client or server error status, by method, route template and status',
  labelNames: ['method', 'route', 'status'],
  registers: [metricsRegistry],
});

/** Records one answered request (route: the matched template, or `unmatched`). */
export function observeRequest(
  method: string,
  route: string,
  status: number,
  seconds: number,
): void {
  const labels = { method, route, status: String(status) };
  httpRequestDuration.observe(labels, seconds);
  if (status >= 400) httpErrors.inc(labels);
}

@ApiTags('operations')
@Controller('metrics')
class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @ApiProduces('text/plain')
  @ApiAnswer(
    200,
    'Prometheus text exposition format',
    { type: 'string' },
    {
      contentType: 'text/plain',
    },
  )
  async metrics(): Promise<string> {
    return `${await metricsRegistry.metrics()}\n${await kafkaMetricsRegistry.metrics()}`;
  }
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
