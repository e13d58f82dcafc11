import { describeProducerService } from '@carelog/testing';
import { CommunityNursingModule } from './app.module';

describeProducerService({
  service: 'community-nursing',
  domain: 'community-nursing',
  module: CommunityNursingModule,
  entryType: 'WoundCareRecorded',
  author: 'community-nurse',
  forbiddenAuthor: 'care-worker',
});
