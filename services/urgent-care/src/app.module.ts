import { Module } from '@nestjs/common';
import { ProducerModule } from '@carelog/producer';

@Module({ imports: [ProducerModule.forDomain({ service: 'urgent-care', domain: 'urgent-care' })] })
export class UrgentCareModule {}
