import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { UrgentCareModule } from './app.module';

serveHttp({
  name: 'urgent-care',
  description:
    'Records urgent and emergency care entries (111 triage, ED attendances, ambulance, out of hours) as immutable events.',
  module: UrgentCareModule,
  portVariable: 'URGENT_CARE_PORT',
});
