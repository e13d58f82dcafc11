import { Module } from '@nestjs/common';
import { ProducerModule } from '@carelog/producer';

@Module({ imports: [ProducerModule.forDomain({ service: 'maternity', domain: 'maternity' })] })
export class MaternityModule {}
