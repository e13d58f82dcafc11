import { describeProducerService } from '@carelog/testing';
import { SocialCareModule } from './app.module';

describeProducerService({
  service: 'social-care',
  domain: 'social-care',
  module: SocialCareModule,
  entryType: 'CareVisitRecorded',
  author: 'care-worker',
  forbiddenAuthor: 'midwife',
});
