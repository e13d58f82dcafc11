import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createKafka } from '@carelog/kafka';
import {
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import { exportConfigFromEnv, type ExportConfig } from './export-config';
import { AnalyticsExport } from './export-pipeline/analytics-export';
import { exportDataSource } from './export-pipeline/export-store';

const CONFIG = Symbol('ANALYTICS_EXPORT_CONFIG');

class ExportLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(AnalyticsExport) private readonly pipeline: AnalyticsExport) {}

  async onModuleInit(): Promise<void> {
    await this.pipeline.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pipeline.stop();
    await this.pipeline.dataSource.destroy();
  }
}

@Module({
  imports: [MetricsModule],
  controllers: [HealthController],
  providers: [
    { provide: CONFIG, useFactory: () => exportConfigFromEnv() },
    {
      provide: AnalyticsExport,
      inject: [CONFIG],
      useFactory: (config: ExportConfig) =>
        new AnalyticsExport(
          createKafka('carelog-analytics-export'),
          exportDataSource({ applicationName: 'carelog-analytics-export' }),
          config,
        ),
    },
    {
      provide: ExportLifecycle,
      inject: [AnalyticsExport],
      useFactory: (pipeline: AnalyticsExport) => new ExportLifecycle(pipeline),
    },
    {
      provide: READINESS_CHECKS,
      inject: [AnalyticsExport],
      useFactory: (pipeline: AnalyticsExport): ReadinessCheck[] => [
        {
          name: 'postgres',
          isReady: async () =>
            (await pipeline.dataSource.query<unknown[]>('SELECT 1')).length === 1,
        },
        {
          name: 'kafka-consumer-group',
          isReady: () => Promise.resolve(pipeline.consumer.isJoined),
        },
      ],
    },
  ],
})
export class AnalyticsExportModule {}
