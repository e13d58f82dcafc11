import { Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  CallerModule,
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
} from '@carelog/nest-platform';
import { readModelDataSource } from '@carelog/read-model';
import { DataSource } from 'typeorm';
import { PatientRecordController } from './patient-record/patient-record.controller';
import { RecordQuery } from './patient-record/record-query';

class DataSourceLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.initialize();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dataSource.destroy();
  }
}

/** Ready once the projection has created the read model (the record API never migrates it). */
async function readModelPresent(dataSource: DataSource): Promise<boolean> {
  const rows = await dataSource.query<Array<{ present: boolean }>>(
    `SELECT to_regclass('record_entry') IS NOT NULL AS present`,
  );
  return rows[0]?.present === true;
}

@Module({
  imports: [CallerModule, MetricsModule],
  controllers: [PatientRecordController, HealthController],
  providers: [
    {
      provide: READINESS_CHECKS,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => [
        { name: 'read-model', isReady: () => readModelPresent(dataSource) },
      ],
    },
    {
      provide: DataSource,
      useFactory: () => readModelDataSource({ applicationName: 'carelog-record-api' }),
    },
    {
      provide: DataSourceLifecycle,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new DataSourceLifecycle(dataSource),
    },
    {
      provide: RecordQuery,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new RecordQuery(dataSource),
    },
  ],
})
export class RecordApiModule {}
