import { Module } from '@nestjs/common';
import { ProducerModule } from '@carelog/producer';

@Module({ imports: [ProducerModule.forDomain({ service: 'social-care', domain: 'social-care' })] })
export class SocialCareModule {}
