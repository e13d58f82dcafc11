import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { loadEventCodec } from '@carelog/codec';
import { createKafka } from '@carelog/kafka';
import {
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import { readModelDataSource, ReadModelVersions } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import { ProjectionRunner } from './lifelong-record/projection-runner';

const CONTROL = Symbol('READ_MODEL_CONTROL');

class ProjectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(CONTROL) private readonly control: DataSource,
    private readonly runner: ProjectionRunner,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.control.initialize();
    await this.runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
    await this.control.destroy();
  }
}

@Module({
  imports: [MetricsModule],
  controllers: [HealthController],
  providers: [
    {
      provide: CONTROL,
      useFactory: () =>
        readModelDataSource({ applicationName: 'carelog-projection-control', poolSize: 2 }),
    },
    {
      provide: ProjectionRunner,
      inject: [CONTROL],
      useFactory: (control: DataSource) =>
        new ProjectionRunner(
          createKafka('carelog-projection'),
          loadEventCodec(),
          new ReadModelVersions(control),
        ),
    },
    {
      provide: ProjectionLifecycle,
      inject: [CONTROL, ProjectionRunner],
      useFactory: (control: DataSource, runner: ProjectionRunner) =>
        new ProjectionLifecycle(control, runner),
    },
    {
      provide: READINESS_CHECKS,
      inject: [ProjectionRunner],
      useFactory: (runner: ProjectionRunner): ReadinessCheck[] => [
        {
          name: 'postgres',
          isReady: async () =>
            (await runner.current?.dataSource.query<unknown[]>('SELECT 1'))?.length === 1,
        },
        {
          name: 'kafka-consumer-group',
          isReady: () => Promise.resolve(runner.current?.consumer.isJoined === true),
        },
      ],
    },
  ],
})
export class ProjectionModule {}
