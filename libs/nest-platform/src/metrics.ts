import { Controller, Get, Header, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

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

@Controller('metrics')
class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}

@Module({ controllers: [MetricsController] })
export class MetricsModule {}
