import { Inject, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { loadEventCodec } from '@carelog/codec';
import { createKafka, ensureTopics, platformTopics } from '@carelog/kafka';
import { HealthController, MetricsModule, READINESS_CHECKS } from '@carelog/nest-platform';
import { migrateReadModel, readModelDataSource } from '@carelog/read-model';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ProjectionConsumer } from './lifelong-record/projection-consumer';
import { RecordWriter } from './lifelong-record/record-writer';

export const PROJECTION_GROUP = process.env['CARELOG_PROJECTION_GROUP'] ?? 'carelog-projection';
const KAFKA = Symbol('KAFKA');
const DATA_SOURCE = Symbol('DATA_SOURCE');

class ProjectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly consumer: ProjectionConsumer,
  ) {}

  async onModuleInit(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, platformTopics([PROJECTION_GROUP]));
    } finally {
      await admin.disconnect();
    }
    await this.dataSource.initialize();
    await migrateReadModel(this.dataSource);
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.dataSource.destroy();
  }
}

@Module({
  imports: [MetricsModule],
  controllers: [HealthController],
  providers: [
    {
      provide: READINESS_CHECKS,
      inject: [DATA_SOURCE, ProjectionConsumer],
      useFactory: (dataSource: DataSource, consumer: ProjectionConsumer) => [
        {
          name: 'postgres',
          isReady: async () =>
            dataSource.isInitialized &&
            (await dataSource.query<unknown[]>('SELECT 1')).length === 1,
        },
        { name: 'kafka-consumer-group', isReady: () => Promise.resolve(consumer.isJoined) },
      ],
    },
    { provide: KAFKA, useFactory: () => createKafka('carelog-projection') },
    {
      provide: DATA_SOURCE,
      useFactory: () => readModelDataSource({ applicationName: 'carelog-projection' }),
    },
    {
      provide: ProjectionConsumer,
      inject: [KAFKA, DATA_SOURCE],
      useFactory: (kafka: Kafka, dataSource: DataSource) =>
        new ProjectionConsumer(
          kafka,
          loadEventCodec(),
          new RecordWriter(dataSource),
          PROJECTION_GROUP,
        ),
    },
    ProjectionLifecycle,
  ],
})
export class ProjectionModule {}
