import { randomBytes, randomUUID } from 'node:crypto';
import { ENTRY_TYPE_NAMES, loadEventCodec, type UncheckedRecordEntryEvent } from '@carelog/codec';
import { deadLetterTopic, domainOfTopic, DLQ_HEADERS, ENTRY_TYPE_HEADER } from '@carelog/kafka';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { exampleEvent } from './events';
import { eventually } from './eventually';
import { readPartition } from './kafka';
import { nextTestNhsNumber } from './nhs-numbers';

/** The header a corpus message carries (and its dead letter keeps): which case it is. */
export const CORPUS_CASE_HEADER = 'carelog-test-case';

export interface CorpusMessage {
  topic: string;
  key: string;
  value: Buffer | null;
  headers: Record<string, string>;
  /** Unique within the corpus, e.g. `hostile:nul-in-author:17`. */
  id: string;
  hostile: boolean;
  /** The event id of a valid message. */
  eventId?: string;
}

const yearsFromNow = (years: number): Date => {
  const date = new Date();
  date.setUTCFullYear(years);
  return date;
};

/** Ways to spoil a message, each one a consumer must dead-letter with a reason. */
type Spoiler = (
  valid: UncheckedRecordEntryEvent,
  encode: (event: UncheckedRecordEntryEvent) => Buffer,
  otherType: string,
) => { value: Buffer | null; declaredType?: string };

const SPOILERS: Record<string, Spoiler> = {
  garbage: () => ({ value: randomBytes(1 + Math.floor(Math.random() * 200)) }),
  empty: () => ({ value: null }),
  'truncated-avro': (event, encode) => {
    const bytes = encode(event);
    return { value: bytes.subarray(0, 10 + Math.floor((bytes.length - 10) / 2)) };
  },
  'unknown-fingerprint': (event, encode) => {
    const bytes = Buffer.from(encode(event));
    bytes.writeBigUInt64LE(0x0123456789abcdefn, 2);
    return { value: bytes };
  },
  'fingerprint-of-another-type': (event, encode, otherType) => ({
    value: encode(event),
    declaredType: otherType,
  }),
  'nul-in-author': (event, encode) => ({
    value: encode({ ...event, author: { ...event.author, userId: 'dr\u0000a' } }),
  }),
  'nul-in-payload': (event, encode) => {
    const field = Object.keys(event.payload).find((key) => typeof event.payload[key] === 'string');
    return {
      value: field
        ? encode({ ...event, payload: { ...event.payload, [field]: 'text\u0000text' } })
        : encode({ ...event, source: { ...event.source, system: 'sys\u0000tem' } }),
    };
  },
  'nul-in-correlation-id': (event, encode) => ({
    value: encode({ ...event, correlationId: `corr\u0000${randomUUID()}` }),
  }),
  'year-0': (event, encode) => ({ value: encode({ ...event, occurredAt: yearsFromNow(0) }) }),
  'negative-year': (event, encode) => ({
    value: encode({ ...event, occurredAt: yearsFromNow(-4000) }),
  }),
  'recorded-at-year-20000': (event, encode) => ({
    value: encode({ ...event, recordedAt: yearsFromNow(20_000) }),
  }),
  'non-uuid-event-id': (event, encode) => ({
    value: encode({ ...event, eventId: randomBytes(18).toString('hex') }),
  }),
  'invalid-nhs-number': (event, encode) => ({
    value: encode({ ...event, patient: { nhsNumber: '1234567890' } }),
  }),
};

export const HOSTILE_KINDS = Object.keys(SPOILERS);

/** Every entry type whose schema lives in `domain`'s folder, or every type if none does. */
function typesOf(domain: string): string[] {
  const { catalogue } = loadEventCodec();
  const own = ENTRY_TYPE_NAMES.filter((type) => catalogue.current(type)?.domain === domain);
  return own.length > 0 ? own : [...ENTRY_TYPE_NAMES];
}

/**
 * Valid entries interleaved with hostile messages on each of `topics`: `rounds` rounds per
 * topic, each a valid entry before each hostile message of every kind (garbage, truncated
 * Avro, a type header that another type's fingerprint contradicts, valid Avro that no store
 * takes: NUL, year 0, years out of range, non-UUID ids). Every message carries its case in
 * CORPUS_CASE_HEADER.
 */
export function hostileCorpus(
  topics: readonly string[],
  { rounds, organisation = 'A81001' }: { rounds: number; organisation?: string },
): CorpusMessage[] {
  const codec = loadEventCodec();
  const encode = (event: UncheckedRecordEntryEvent): Buffer => {
    const schema = codec.catalogue.current(event.type);
    if (!schema) throw new Error(`no schema for ${event.type}`);
    return codec.encodeWith(schema, event);
  };
  const messages: CorpusMessage[] = [];
  for (const topic of topics) {
    const types = typesOf(domainOfTopic(topic) ?? '');
    for (let round = 0; round < rounds; round++) {
      for (const [kind, spoil] of Object.entries(SPOILERS)) {
        const type = types[messages.length % types.length] ?? 'ConsultationRecorded';
        const otherType = ENTRY_TYPE_NAMES.find((candidate) => candidate !== type) ?? type;
        const nhsNumber = nextTestNhsNumber();
        const valid = exampleEvent(type, { nhsNumber, organisation });
        const id = `valid:${kind}:${topic}:${round}`;
        messages.push({
          topic,
          key: nhsNumber,
          value: codec.encode(valid),
          headers: { [ENTRY_TYPE_HEADER]: type, [CORPUS_CASE_HEADER]: id },
          id,
          hostile: false,
          eventId: valid.eventId,
        });
        const { value, declaredType } = spoil(
          exampleEvent(type, { nhsNumber, organisation }),
          encode,
          otherType,
        );
        const hostileId = `hostile:${kind}:${topic}:${round}`;
        messages.push({
          topic,
          key: nhsNumber,
          value,
          headers: { [ENTRY_TYPE_HEADER]: declaredType ?? type, [CORPUS_CASE_HEADER]: hostileId },
          id: hostileId,
          hostile: true,
        });
      }
    }
  }
  return messages;
}

/** Writes the corpus straight to Kafka (no producer service, no validation), in order per topic. */
export async function publishCorpus(
  kafka: Kafka,
  messages: readonly CorpusMessage[],
): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const topics = [...new Set(messages.map((message) => message.topic))];
    await producer.sendBatch({
      acks: -1,
      topicMessages: topics.map((topic) => ({
        topic,
        messages: messages
          .filter((message) => message.topic === topic)
          .map(({ key, value, headers }) => ({ key, value, headers })),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

export interface DeadLetterSeen {
  caseId: string | undefined;
  code: string | undefined;
  reason: string | undefined;
  headers: IHeaders;
  message: KafkaMessage;
}

/** Everything on a consumer group's dead-letter topic now. */
export async function deadLettersOf(
  kafka: Kafka,
  consumerGroup: string,
): Promise<DeadLetterSeen[]> {
  const text = (headers: IHeaders | undefined, name: string) => headers?.[name]?.toString();
  return (await readPartition(kafka, deadLetterTopic(consumerGroup), 0)).map((message) => ({
    caseId: text(message.headers, CORPUS_CASE_HEADER),
    code: text(message.headers, DLQ_HEADERS.code),
    reason: text(message.headers, DLQ_HEADERS.reason),
    headers: message.headers ?? {},
    message,
  }));
}

/** How many times each case id was dead-lettered. */
export function countByCase(letters: readonly DeadLetterSeen[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const letter of letters)
    counts.set(letter.caseId ?? '?', (counts.get(letter.caseId ?? '?') ?? 0) + 1);
  return counts;
}

/**
 * Waits until the group's dead-letter topic holds as many letters as the corpus has hostile
 * messages, then checks that it holds each hostile message exactly once, with a code and a
 * reason, and nothing else. Returns the letters.
 */
export async function expectEachHostileDeadLetteredOnce(
  kafka: Kafka,
  consumerGroup: string,
  corpus: readonly CorpusMessage[],
): Promise<DeadLetterSeen[]> {
  const hostile = corpus.filter((message) => message.hostile);
  const letters = await eventually(
    async () => {
      const seen = await deadLettersOf(kafka, consumerGroup);
      expect(seen.length).toBeGreaterThanOrEqual(hostile.length);
      return seen;
    },
    { timeoutMs: 180_000, intervalMs: 1000 },
  );
  expect(letters).toHaveLength(hostile.length);
  const counts = countByCase(letters);
  for (const message of hostile)
    expect([message.id, counts.get(message.id)]).toEqual([message.id, 1]);
  for (const letter of letters) {
    expect(letter.code).toMatch(/^[\w-]+$/);
    expect(letter.reason?.length).toBeGreaterThan(0);
  }
  return letters;
}

/** The end offset of every partition of `topics` now, keyed `topic:partition`. */
export async function endOffsets(
  kafka: Kafka,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics)
      for (const { partition, high } of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${partition}`, BigInt(high));
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** The series of one metric for one consumer group, as lines of Prometheus text. */
export const consumerSeries = (metrics: string, name: string, consumerGroup: string): string[] =>
  metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{consumer_group="${consumerGroup}"`));
