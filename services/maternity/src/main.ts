import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { MaternityModule } from './app.module';

serveHttp({
  name: 'maternity',
  description:
    'Records maternity and health visiting entries (bookings, contacts, births, reviews, development checks) as immutable events.',
  module: MaternityModule,
  portVariable: 'MATERNITY_PORT',
});
