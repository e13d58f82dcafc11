import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { CommunityNursingModule } from './app.module';

serveHttp({
  name: 'community-nursing',
  description:
    'Records community nursing entries (district nursing visits, wound care, continence, end-of-life care) as immutable events. A district nursing team writes only once it holds a care relationship handed over to it (care-team membership or an accepted referral).',
  module: CommunityNursingModule,
  portVariable: 'COMMUNITY_NURSING_PORT',
});
