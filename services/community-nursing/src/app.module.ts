import { Module } from '@nestjs/common';
import { ProducerModule } from '@carelog/producer';

@Module({
  imports: [
    ProducerModule.forDomain({ service: 'community-nursing', domain: 'community-nursing' }),
  ],
})
export class CommunityNursingModule {}
