import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Module,
  Post,
  UseGuards,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import { loadEventCodec } from '@carelog/codec';
import { entryTypesOf, type SourceDomain } from '@carelog/domain';
import {
  createKafka,
  ensureTopics,
  recordEntryTopic,
  recordTopicSpec,
  RecordEntryPublisher,
  type PublishedPosition,
} from '@carelog/kafka';
import {
  CallerGuard,
  CallerModule,
  CurrentCaller,
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
} from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
import { decideEntry, type ProducerContext } from './entry-decision';

export interface ProducerServiceOptions {
  service: string;
  domain: SourceDomain;
}

const OPTIONS = Symbol('PRODUCER_OPTIONS');
const KAFKA = Symbol('KAFKA');

type Accepted = { eventId: string } & PublishedPosition;

@ApiTags('entries')
@ApiBearerAuth()
@Controller('v1/entries')
@UseGuards(CallerGuard)
class EntriesController {
  constructor(
    @Inject(OPTIONS) private readonly options: ProducerServiceOptions,
    private readonly publisher: RecordEntryPublisher,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Record an entry: answers once the event log has acknowledged it' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'A retry with the same key yields the same eventId',
  })
  async submit(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    const codec = loadEventCodec();
    const context: ProducerContext = {
      service: this.options.service,
      domain: this.options.domain,
      entryTypes: entryTypesOf(this.options.domain),
      schemaVersionOf: (type) => codec.catalogue.current(type)?.version,
      now: new Date(),
      correlationId: correlationId ?? randomUUID(),
    };
    const event = decideEntry({ body, idempotencyKey, caller }, context);
    const position = await this.publisher.publish(recordEntryTopic(this.options.domain), event);
    return { eventId: event.eventId, ...position };
  }
}

class PublisherLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: RecordEntryPublisher,
    private readonly domain: SourceDomain,
  ) {}

  async onModuleInit(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [recordTopicSpec(recordEntryTopic(this.domain))]);
    } finally {
      await admin.disconnect();
    }
    await this.publisher.connect();
  }

  /** Flushes what is in flight: disconnect waits for outstanding sends. */
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
  }
}

/** Everything a producer service is: entries in, events out, health, metrics, OpenAPI. */
@Module({})
export class ProducerModule {
  static forDomain(options: ProducerServiceOptions): DynamicModule {
    return {
      module: ProducerModule,
      imports: [CallerModule, MetricsModule],
      controllers: [EntriesController, HealthController],
      providers: [
        {
          provide: READINESS_CHECKS,
          inject: [KAFKA],
          useFactory: (kafka: Kafka) => [{ name: 'kafka', isReady: () => brokerReachable(kafka) }],
        },
        { provide: OPTIONS, useValue: options },
        { provide: KAFKA, useFactory: () => createKafka(options.service) },
        {
          provide: RecordEntryPublisher,
          inject: [KAFKA],
          useFactory: (kafka: Kafka) => new RecordEntryPublisher(kafka, loadEventCodec()),
        },
        {
          provide: PublisherLifecycle,
          inject: [KAFKA, RecordEntryPublisher],
          useFactory: (kafka: Kafka, publisher: RecordEntryPublisher) =>
            new PublisherLifecycle(kafka, publisher, options.domain),
        },
      ],
      exports: [KAFKA],
    };
  }
}

async function brokerReachable(kafka: Kafka): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } finally {
    await admin.disconnect();
  }
}
