import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { PharmacyModule } from './app.module';

serveHttp({
  name: 'pharmacy',
  description:
    'Records community pharmacy entries (Pharmacy First consultations, medicines dispensed, vaccinations) as immutable events.',
  module: PharmacyModule,
  portVariable: 'PHARMACY_PORT',
});
