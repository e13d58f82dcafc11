import { describeProducerService } from '@carelog/testing';
import { UrgentCareModule } from './app.module';

describeProducerService({
  service: 'urgent-care',
  domain: 'urgent-care',
  module: UrgentCareModule,
  entryType: 'TriageOutcomeRecorded',
  author: 'urgent-care',
  forbiddenAuthor: 'midwife',
  // Every urgent-care encounter starts a time-limited relationship: only the service's system sends it.
  recordedBy: 'source-system',
});
