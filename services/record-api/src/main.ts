import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { RecordApiModule } from './app.module';

serveHttp({
  name: 'record-api',
  description: 'Serves the joined-up record and journal views under strict access rules.',
  module: RecordApiModule,
  portVariable: 'RECORD_API_PORT',
});
