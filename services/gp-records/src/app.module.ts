import { Module } from '@nestjs/common';
import { ProducerModule } from '@carelog/producer';

@Module({ imports: [ProducerModule.forDomain({ service: 'gp-records', domain: 'gp' })] })
export class GpRecordsModule {}
