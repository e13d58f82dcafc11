import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Logger,
  Module,
  Param,
  Post,
  UseGuards,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Provider,
  type Type,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AnyCaller, Caller } from '@carelog/auth';
import {
  loadEventCodec,
  schemasDir,
  type EventCodec,
  type UncheckedRecordEntryEvent,
} from '@carelog/codec';
import {
  DomainError,
  decideWritePermission,
  entryTypeRule,
  entryTypesOf,
  isUuid,
  type Escalation,
  type HomeReadingFlag,
  type SourceDomain,
} from '@carelog/domain';
import {
  createKafka,
  recordEntryTopic,
  RecordEntryPublisher,
  type PublishedPosition,
} from '@carelog/kafka';
import {
  AnyCallerGuard,
  ApiAnswer,
  ApiProblems,
  IDEMPOTENCY_KEY,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerModule,
  CurrentAnyCaller,
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import { configuredDatabaseUrl } from '@carelog/read-model';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import {
  decideAcknowledgement,
  decideCorrection,
  decideEntry,
  decideEscalation,
  decideHomeReadingFlag,
  eventIdFor,
  type FlaggedEntryFacts,
  type ProducerContext,
} from './entry-decision';
import { acceptedResponse, correctionRequestDocs, entryRequestDocs } from './openapi';
import {
  migrateProducerSchema,
  producerDataSource,
  PublishedEntries,
  requestHash,
} from './published-entries/published-entries';
import { authorOf, writingAuthorOf } from './relationships/entry-author';
import { fhirWriteController } from './fhir-write.controller';
import { ReadModelFacts } from './relationships/read-model-facts';

export interface ProducerServiceOptions {
  service: string;
  domain: SourceDomain;
}

export type Accepted = { eventId: string } & PublishedPosition;
/** An entry recorded by an earlier request with the same key, and when it happened. */
export type RecordedEarlier = Accepted & { occurredAt: Date };
/** The answer to a request that recorded an entry: where it is, nothing more. */
export const acceptedOf = ({ eventId, topic, partition, offset }: Accepted): Accepted => ({
  eventId,
  topic,
  partition,
  offset,
});

const OPTIONS = Symbol('PRODUCER_OPTIONS');
const KAFKA = Symbol('KAFKA');
const DATA_SOURCE = Symbol('PRODUCER_DATA_SOURCE');

/** Entries in, events out: the same use case for every producer service. */
export class EntryRecorder {
  constructor(
    private readonly options: ProducerServiceOptions,
    private readonly codec: EventCodec,
    private readonly publisher: RecordEntryPublisher,
    private readonly published: PublishedEntries,
    private readonly facts: ReadModelFacts,
  ) {}

  /**
   * The relationship rules (docs/architecture.md, "Legitimate relationships"), on the relationships the
   * read model holds now: refuses the write, or lets it through. Only for an event whose key
   * `replay` found unrecorded.
   */
  private async permit(
    event: UncheckedRecordEntryEvent,
    caller: AnyCaller,
    correction: boolean,
    now: Date,
  ): Promise<void> {
    try {
      await this.decidePermission(event, caller, correction, now);
    } catch (refusal) {
      // Callers asked `replay` first, so this key had recorded nothing then. A concurrent retry
      // of the same request may have recorded it since: answered as before (idempotency), whatever
      // the rules say now; publishOnce then finds that attempt's row. Read only on a refusal.
      if (refusal instanceof DomainError && (await this.published.find(event.eventId))) return;
      throw refusal;
    }
  }

  private async decidePermission(
    event: UncheckedRecordEntryEvent,
    caller: AnyCaller,
    correction: boolean,
    now: Date,
  ): Promise<void> {
    const payload = event.payload;
    const nhsNumber = event.patient.nhsNumber;
    const rule = entryTypeRule(event.type);
    const accepting = rule?.relationship?.provenance?.way === 'acceptance';
    const birth = event.type === 'BirthRecorded' && !correction;
    decideWritePermission(
      writingAuthorOf(caller),
      { type: event.type, nhsNumber, payload, attention: event.attention, correction },
      {
        relationships: await this.facts.relationshipsOf(nhsNumber),
        referral: accepting
          ? await this.facts.referral(nhsNumber, payload['referralEventId'])
          : null,
        child: rule?.childRecord ? await this.facts.isChild(nhsNumber) : false,
        babyHasRecord: birth ? await this.facts.hasRecord(payload['babyNhsNumber']) : false,
      },
      now,
    );
  }

  private context(correlationId: string | undefined): ProducerContext {
    return {
      service: this.options.service,
      domain: this.options.domain,
      entryTypes: entryTypesOf(this.options.domain),
      schemaVersionOf: (type) => this.codec.catalogue.current(type)?.version,
      now: new Date(),
      correlationId: correlationId ?? randomUUID(),
    };
  }

  private publish(
    decided: UncheckedRecordEntryEvent,
    body: unknown,
    domain: SourceDomain = this.options.domain,
  ): Promise<Accepted> {
    return this.send(this.encode(decided), body, domain);
  }

  /** Encoded first: an invalid event is refused before anything is remembered or sent. */
  private encode(decided: UncheckedRecordEntryEvent): {
    event: UncheckedRecordEntryEvent;
    encoded: Buffer;
  } {
    const event = this.codec.fromJson(decided);
    return { event, encoded: this.codec.encode(event) };
  }

  private async send(
    { event, encoded }: { event: UncheckedRecordEntryEvent; encoded: Buffer },
    body: unknown,
    domain: SourceDomain = this.options.domain,
  ): Promise<Accepted> {
    const topic = recordEntryTopic(domain);
    const position = await this.published.publishOnce(event, domain, requestHash(body), () =>
      this.publisher.publishEncoded(topic, event, encoded),
    );
    return { eventId: event.eventId, ...position };
  }

  /** Acknowledges an attention task, on the flagged entry's own topic. */
  acknowledge(
    task: FlaggedEntryFacts,
    body: unknown,
    idempotencyKey: string | undefined,
    correlationId: string | undefined,
    caller: Caller,
  ): Promise<Accepted> {
    const event = decideAcknowledgement(
      { body, idempotencyKey, caller, task },
      this.context(correlationId),
    );
    return this.publish(event, { acknowledging: task.taskId, body }, task.domain);
  }

  /** Publishes a due escalation of an attention task, on the flagged entry's own topic. */
  escalate(
    task: FlaggedEntryFacts & { recipientOrganisation: string },
    escalation: Escalation,
  ): Promise<Accepted> {
    const event = decideEscalation(task, escalation, this.context(undefined));
    return this.publish(event, { escalating: task.taskId, level: escalation.level }, task.domain);
  }

  /**
   * Raises a task the home-reading rules found, on the patient topic, unless it was raised
   * before: answers null then (the flag's id follows from the patient and the rule's key).
   */
  async raiseHomeReadingFlag(
    nhsNumber: string,
    practice: string,
    flag: HomeReadingFlag,
  ): Promise<Accepted | null> {
    const event = decideHomeReadingFlag(nhsNumber, practice, flag, this.context(undefined));
    if (await this.published.find(event.eventId)) return null;
    return this.publish(event, { flagging: flag.key }, 'patient');
  }

  /**
   * `request` is what a retry with the same Idempotency-Key is compared by: the body as the
   * client sent it, unless the route built the body itself (with the time of the request,
   * say), when it is the route's own input.
   */
  async record(
    body: unknown,
    idempotencyKey: string | undefined,
    correlationId: string | undefined,
    caller: AnyCaller,
    request: unknown = body,
  ): Promise<Accepted> {
    const context = this.context(correlationId);
    const event = decideEntry({ body, idempotencyKey, caller }, context);
    const earlier = await this.replayed(event.eventId, request);
    if (earlier) return acceptedOf(earlier);
    await this.permit(event, caller, false, context.now);
    return this.publish(event, request);
  }

  /**
   * The entry an earlier request with this caller's Idempotency-Key recorded, when `request`
   * is that request again (409 when it is another); null when the key has recorded nothing
   * yet. For routes that do more than record, and must not do that twice on a retry.
   */
  replayedRequest(
    caller: AnyCaller,
    idempotencyKey: string,
    request: unknown,
  ): Promise<RecordedEarlier | null> {
    return this.replayed(eventIdFor(authorOf(caller), idempotencyKey), request);
  }

  private async replayed(eventId: string, request: unknown): Promise<RecordedEarlier | null> {
    const earlier = await this.published.replay(eventId, requestHash(request));
    return earlier && { eventId, ...earlier };
  }

  /**
   * Several entries as one request (a FHIR transaction or batch Bundle): every entry is
   * decided, permitted, encoded and checked against earlier uses of its key before any is
   * sent, so that one bad entry refuses them all, its error naming where it is (`at`). Then
   * they are sent in order; should the event log fail part-way, the refusal says so and a
   * retry of the same request records only what is missing (each entry is idempotent).
   */
  async recordAll(
    requests: ReadonlyArray<{ body: unknown; idempotencyKey: string; at: string }>,
    correlationId: string | undefined,
    caller: AnyCaller,
  ): Promise<Accepted[]> {
    const context = this.context(correlationId);
    const prepared = [];
    for (const request of requests) {
      try {
        const event = decideEntry(
          { body: request.body, idempotencyKey: request.idempotencyKey, caller },
          context,
        );
        // A resource sent before under the same key is answered as it was, not decided again.
        const earlier = await this.published.replay(event.eventId, requestHash(request.body));
        if (!earlier) await this.permit(event, caller, false, context.now);
        prepared.push({ encoded: this.encode(event), body: request.body });
      } catch (error) {
        throw error instanceof DomainError
          ? new DomainError(
              error.code,
              `${error.field ? `${error.field}: ` : ''}${error.message}`,
              request.at,
            )
          : error;
      }
    }
    const accepted: Accepted[] = [];
    for (const { encoded, body } of prepared) accepted.push(await this.send(encoded, body));
    return accepted;
  }

  async correct(
    eventId: string,
    body: unknown,
    idempotencyKey: string | undefined,
    correlationId: string | undefined,
    caller: AnyCaller,
  ): Promise<Accepted> {
    const found = isUuid(eventId) ? await this.published.find(eventId.toLowerCase()) : null;
    const original = found && {
      ...found,
      attention: await this.published.currentAttention(found.eventId),
    };
    const context = this.context(correlationId);
    const event = decideCorrection({ body, idempotencyKey, caller, original }, context);
    const request = { correcting: eventId, body };
    const earlier = await this.replayed(event.eventId, request);
    if (earlier) return acceptedOf(earlier);
    await this.permit(event, caller, true, context.now);
    return this.publish(event, request);
  }
}

/** A controller per domain, so that its OpenAPI lists exactly that domain's entry types. */
function entriesController(options: ProducerServiceOptions): Type<unknown> {
  const codec = loadEventCodec();
  const docs = entryRequestDocs(codec.catalogue, schemasDir, entryTypesOf(options.domain));

  @ApiTags('entries')
  @ApiBearerAuth()
  @ApiProblems(...CALLER_PROBLEMS)
  @Controller('v1/entries')
  @UseGuards(AnyCallerGuard)
  class EntriesController {
    constructor(@Inject(EntryRecorder) private readonly recorder: EntryRecorder) {}

    @Post()
    @HttpCode(202)
    @ApiOperation({ summary: 'Record an entry; answers once the event log has acknowledged it' })
    @ApiHeader({
      ...IDEMPOTENCY_KEY,
      required: true,
      description: 'A retry with the same key gets the same eventId and records nothing new',
    })
    @ApiBody({ schema: docs.schema, examples: docs.examples })
    @ApiAnswer(202, 'Recorded', acceptedResponse, {
      links: {
        correct: {
          operationId: 'EntriesController_correct',
          parameters: { eventId: '$response.body#/eventId' },
        },
      },
    })
    @ApiProblems(...BODY_PROBLEMS, 403, 409, 422, 503)
    @ApiResponse({
      status: 403,
      description:
        'problem+json: `relationship-start-not-permitted` (a relationship may start only from the organisation’s own source system, or by a hand-over from a holder), `care-relationship-required` (the author’s organisation holds no active relationship with the patient), `not-permitted-to-author`, `entry-type-not-registered` (a source system sent a type outside its registration)',
    })
    @ApiResponse({
      status: 409,
      description: 'The Idempotency-Key was used for a different request',
    })
    @ApiResponse({
      status: 422,
      description:
        'problem+json naming the field; `attention-recipient-unreachable` (field `attention.organisation`): a flag must name an organisation that holds, or by this entry gains, a care relationship',
    })
    @ApiResponse({
      status: 503,
      description:
        'The event log is unavailable; nothing was recorded. Retry-After says when to retry.',
    })
    record(
      @Body() body: unknown,
      @Headers('idempotency-key') idempotencyKey: string | undefined,
      @Headers('x-correlation-id') correlationId: string | undefined,
      @CurrentAnyCaller() caller: AnyCaller,
    ): Promise<Accepted> {
      return this.recorder.record(body, idempotencyKey, correlationId, caller);
    }

    @Post(':eventId/corrections')
    @HttpCode(202)
    @ApiOperation({
      summary: 'Correct an entry this organisation recorded: amended, or entered in error',
    })
    @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
    @ApiBody({ schema: correctionRequestDocs.schema, examples: correctionRequestDocs.examples })
    @ApiAnswer(202, 'Recorded', acceptedResponse)
    @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
    @ApiResponse({
      status: 403,
      description:
        '`not-authoring-organisation`: only the organisation that recorded the entry may correct it; `care-relationship-required`: and only while it holds a care relationship',
    })
    @ApiResponse({
      status: 422,
      description:
        '`attention-recipient-unreachable`: a flag the amendment carries must reach someone',
    })
    @ApiResponse({ status: 404, description: 'No such entry was recorded through this service' })
    correct(
      @Param('eventId') eventId: string,
      @Body() body: unknown,
      @Headers('idempotency-key') idempotencyKey: string | undefined,
      @Headers('x-correlation-id') correlationId: string | undefined,
      @CurrentAnyCaller() caller: AnyCaller,
    ): Promise<Accepted> {
      return this.recorder.correct(eventId, body, idempotencyKey, correlationId, caller);
    }
  }
  return EntriesController;
}

class ProducerLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Producer');

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: RecordEntryPublisher,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.initialize();
    await migrateProducerSchema(this.dataSource);
    // The broker may be down at start: the service still starts, answers 503 and is not ready.
    await this.publisher
      .connect()
      .catch(() => this.logger.warn('event log unreachable at start; will connect on demand'));
  }

  /** Runs after the HTTP server has closed: in-flight sends are flushed, then connections closed. */
  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
    await this.dataSource.destroy();
  }
}

async function brokerReachable(kafka: Kafka): Promise<boolean> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The service's topic exists and every partition has a leader. The publisher creates it on
 * its first connection (when the broker was down at start, this check makes that connection);
 * after that it never creates it again, so a topic deleted by mistake makes the service not
 * ready, by name, until an operator restores it.
 */
async function topicServed(
  kafka: Kafka,
  publisher: RecordEntryPublisher,
  topic: string,
): Promise<boolean> {
  await publisher.connect();
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0);
  } finally {
    await admin.disconnect();
  }
}

const readinessChecks = (domain: SourceDomain): Provider => ({
  provide: READINESS_CHECKS,
  inject: [KAFKA, DATA_SOURCE, RecordEntryPublisher],
  useFactory: (
    kafka: Kafka,
    dataSource: DataSource,
    publisher: RecordEntryPublisher,
  ): ReadinessCheck[] => [
    { name: 'kafka', isReady: () => brokerReachable(kafka) },
    {
      name: 'kafka-topic',
      isReady: () => topicServed(kafka, publisher, recordEntryTopic(domain)),
    },
    {
      name: 'postgres',
      isReady: async () =>
        dataSource.isInitialized && (await dataSource.query<unknown[]>('SELECT 1')).length === 1,
    },
  ],
});

/**
 * The use case without its HTTP shell: an EntryRecorder for one domain, its publisher and
 * its idempotency store. The record API uses it to publish patient and carer contributions.
 */
@Module({})
export class EntryRecorderModule {
  static forDomain(options: ProducerServiceOptions): DynamicModule {
    return {
      module: EntryRecorderModule,
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: KAFKA, useFactory: () => createKafka(options.service) },
        {
          provide: DATA_SOURCE,
          useFactory: () =>
            producerDataSource(configuredDatabaseUrl(), `carelog-${options.service}`),
        },
        {
          provide: RecordEntryPublisher,
          inject: [KAFKA],
          useFactory: (kafka: Kafka) =>
            new RecordEntryPublisher(kafka, loadEventCodec(), [recordEntryTopic(options.domain)]),
        },
        {
          provide: EntryRecorder,
          inject: [RecordEntryPublisher, DATA_SOURCE],
          useFactory: (publisher: RecordEntryPublisher, dataSource: DataSource) =>
            new EntryRecorder(
              options,
              loadEventCodec(),
              publisher,
              new PublishedEntries(dataSource),
              new ReadModelFacts(dataSource),
            ),
        },
        {
          provide: ProducerLifecycle,
          inject: [DATA_SOURCE, RecordEntryPublisher],
          useFactory: (dataSource: DataSource, publisher: RecordEntryPublisher) =>
            new ProducerLifecycle(dataSource, publisher),
        },
        readinessChecks(options.domain),
      ],
      exports: [EntryRecorder, READINESS_CHECKS, KAFKA],
    };
  }
}

/** Everything a producer service is: entries in, events out, health, metrics, OpenAPI. */
@Module({})
export class ProducerModule {
  static forDomain(options: ProducerServiceOptions): DynamicModule {
    return {
      module: ProducerModule,
      imports: [CallerModule, MetricsModule, EntryRecorderModule.forDomain(options)],
      controllers: [
        entriesController(options),
        fhirWriteController(options, EntryRecorder),
        HealthController,
      ],
    };
  }
}
