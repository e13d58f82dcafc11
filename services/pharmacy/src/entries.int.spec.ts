import { describeProducerService } from '@carelog/testing';
import { PharmacyModule } from './app.module';

describeProducerService({
  service: 'pharmacy',
  domain: 'pharmacy',
  module: PharmacyModule,
  // Dispensing starts nothing: the pharmacist writes it within a relationship the pharmacy holds.
  entryType: 'MedicineDispensed',
  author: 'pharmacist',
  forbiddenAuthor: 'care-worker',
});
