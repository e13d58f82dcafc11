import { describeProducerService } from '@carelog/testing';
import { MaternityModule } from './app.module';

describeProducerService({
  service: 'maternity',
  domain: 'maternity',
  module: MaternityModule,
  entryType: 'AntenatalContactRecorded',
  author: 'midwife',
  forbiddenAuthor: 'care-worker',
});
