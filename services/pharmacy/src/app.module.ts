import { Module } from '@nestjs/common';
import { ProducerModule } from '@carelog/producer';

@Module({ imports: [ProducerModule.forDomain({ service: 'pharmacy', domain: 'pharmacy' })] })
export class PharmacyModule {}
