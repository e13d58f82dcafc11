import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { SocialCareModule } from './app.module';

serveHttp({
  name: 'social-care',
  description:
    'Records social care entries (cases, assessments, care plans, care visits, safeguarding) as immutable events.',
  module: SocialCareModule,
  portVariable: 'SOCIAL_CARE_PORT',
});
