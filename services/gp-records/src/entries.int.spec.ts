import { describeProducerService } from '@carelog/testing';
import { GpRecordsModule } from './app.module';

describeProducerService({
  service: 'gp-records',
  domain: 'gp',
  module: GpRecordsModule,
  entryType: 'MedicationPrescribed',
  author: 'gp',
  forbiddenAuthor: 'care-worker',
});
