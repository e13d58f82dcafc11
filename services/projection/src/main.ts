import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { ProjectionModule } from './app.module';

serveHttp({
  name: 'projection',
  description:
    'Builds the joined-up lifelong record in Postgres from every record-entry topic. Health and metrics only.',
  module: ProjectionModule,
  portVariable: 'PROJECTION_PORT',
});
