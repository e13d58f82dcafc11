import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { GpRecordsModule } from './app.module';

serveHttp({
  name: 'gp-records',
  description:
    'Records GP practice entries (registrations, consultations, ...) as immutable events.',
  module: GpRecordsModule,
  portVariable: 'GP_RECORDS_PORT',
});
