import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ANALYTICS_FAMILY,
  AUDIT_FAMILY,
  SchemaCatalogue,
  type SchemaFamily,
  type SchemaVersion,
} from '@carelog/codec';
import { ENTRY_TYPES, SOURCE_DOMAINS, type SourceDomain } from '@carelog/domain';
import type { ITopicConfig } from 'kafkajs';
import { DLQ_HEADERS } from './dead-letters';
import {
  CONTENT_TYPES,
  ENTRY_TYPE_HEADER,
  SCHEMA_FINGERPRINT_HEADER,
  SCHEMA_ID_HEADER,
} from './publisher';
import { CONSUMER_GROUPS, PRODUCER_DOMAINS } from './service-access';
import {
  analyticsCountsTopicSpec,
  analyticsEntriesTopicSpec,
  AUDIT_CHECKPOINTS_TOPIC,
  AUDIT_TOPIC,
  deadLetterTopic,
  recordEntryTopic,
  recordTopicSpec,
  redriveTopic,
} from './topics';

/**
 * The AsyncAPI 3 document of every topic the platform owns (docs/architecture.md, "Event consumers"),
 * built from schemas/ and the same topic, header and consumer-group definitions the services
 * use, so that it cannot drift from them: `npm run schemas:generate` writes it to
 * schemas/asyncapi.yaml, `schemas:check` fails when it is out of date, and every HTTP service
 * serves it at /docs/asyncapi.
 */

type Json = Record<string, unknown>;

/** The Avro schema format AsyncAPI's Avro parser reads (Avro 1.9 JSON). */
export const AVRO_SCHEMA_FORMAT = 'application/vnd.apache.avro+json;version=1.9.0';
const KAFKA_BINDING = '0.5.0';

const ref = (path: string): Json => ({ $ref: path });
const operation = (action: 'send' | 'receive', channel: string, summary: string): Json => ({
  action,
  channel: ref(`#/channels/${channel}`),
  summary,
});
const camel = (text: string): string =>
  text.replace(/[-.](\w)/g, (_match, letter: string) => letter.toUpperCase());

/** A topic's settings as the kafka binding's `topicConfiguration` states them. */
function topicBinding(spec: ITopicConfig): Json {
  const configured = new Map((spec.configEntries ?? []).map(({ name, value }) => [name, value]));
  const topicConfiguration: Json = {};
  const policy = configured.get('cleanup.policy');
  if (policy) topicConfiguration['cleanup.policy'] = policy.split(',');
  for (const name of ['retention.ms', 'retention.bytes']) {
    const value = configured.get(name);
    if (value !== undefined) topicConfiguration[name] = Number(value);
  }
  return {
    kafka: {
      topic: spec.topic,
      ...(spec.numPartitions && spec.numPartitions > 0 ? { partitions: spec.numPartitions } : {}),
      topicConfiguration,
      bindingVersion: KAFKA_BINDING,
    },
  };
}

/** The writer schema of every version of a type, for consumers that decode by fingerprint. */
const versionsOf = (catalogue: SchemaCatalogue, type: string): Json[] =>
  catalogue.versionsOf(type).map((version) => ({
    version: version.version,
    file: `schemas/${version.file}`,
    fingerprint: version.fingerprint,
  }));

const avroPayload = (schemasDir: string, version: SchemaVersion): Json => ({
  schemaFormat: AVRO_SCHEMA_FORMAT,
  schema: JSON.parse(readFileSync(join(schemasDir, version.file), 'utf8')) as Json,
});

const stringHeader = (description: string, extra: Json = {}): Json => ({
  type: 'string',
  description,
  ...extra,
});

/** The headers every record-entry message carries. */
const recordEntryHeaders = (type: string): Json => ({
  type: 'object',
  required: [ENTRY_TYPE_HEADER, 'content-type', SCHEMA_FINGERPRINT_HEADER],
  properties: {
    [ENTRY_TYPE_HEADER]: stringHeader(
      'The entry type; a consumer refuses a message whose writer schema names another.',
      { const: type },
    ),
    'content-type': stringHeader(
      'How the value is framed: single-object (C3 01 + fingerprint + body) or, when the ' +
        'producer has a Schema Registry, the Confluent wire format (0 + schema id + body).',
      { enum: Object.values(CONTENT_TYPES) },
    ),
    [SCHEMA_FINGERPRINT_HEADER]: stringHeader(
      "The writer schema's CRC-64-AVRO fingerprint (16 hex digits), in either framing.",
      { pattern: '^[0-9a-f]{16}$' },
    ),
    [SCHEMA_ID_HEADER]: stringHeader(
      "The registry's schema id (subject: the record's Avro full name), Confluent framing only.",
      { pattern: '^[0-9]+$' },
    ),
  },
});

function messagesOf(
  schemasDir: string,
  family: SchemaFamily | undefined,
  message: (version: SchemaVersion) => Json,
): Record<string, Json> {
  const catalogue = SchemaCatalogue.load(schemasDir, family);
  const messages: Record<string, Json> = {};
  for (const type of catalogue.types) {
    const current = catalogue.current(type);
    if (!current) continue;
    messages[type] = {
      name: type,
      title: type,
      summary: (current.avroType as { doc?: string }).doc ?? type,
      contentType: 'application/octet-stream',
      ...message(current),
      payload: avroPayload(schemasDir, current),
      'x-carelog-writer-schemas': versionsOf(catalogue, type),
    };
  }
  return messages;
}

const domainOfType = (type: string): SourceDomain | 'any' | undefined =>
  ENTRY_TYPES.find((rule) => rule.type === type)?.domain;

const channelId = (domain: SourceDomain): string => `${camel(domain)}RecordEntries`;

const producersOf = (domain: SourceDomain): string[] => [
  ...Object.entries(PRODUCER_DOMAINS)
    .filter(([, published]) => published === domain)
    .map(([service]) => service),
  'record-api',
];

const DEAD_LETTER_HEADERS: Record<keyof typeof DLQ_HEADERS, string> = {
  code: 'Stable code of the failure that can never succeed.',
  reason: 'Why, in words (never record content).',
  group: 'The consumer group that gave up on it.',
  at: 'When it was dead-lettered (RFC 3339).',
  sourceTopic: 'The topic it was first written to.',
  sourcePartition: 'Its partition there.',
  sourceOffset: 'Its offset there.',
  eventId: 'Its event id, when it could be read.',
};

/** The AsyncAPI 3 document, as plain data (rendered to YAML by tools/schemas.ts). */
export function asyncApiDocument(schemasDir: string): Json {
  const entryMessages = messagesOf(schemasDir, undefined, (version) => ({
    headers: recordEntryHeaders(version.type),
    bindings: {
      kafka: {
        key: {
          type: 'string',
          pattern: '^[0-9]{10}$',
          description:
            "The patient's NHS number: one patient's entries from one source keep their order.",
        },
        bindingVersion: KAFKA_BINDING,
      },
    },
  }));
  const analyticsMessages = messagesOf(schemasDir, ANALYTICS_FAMILY, (version) => ({
    headers: {
      type: 'object',
      properties: {
        'carelog-analytics-event': stringHeader('The event type.', { const: version.type }),
      },
    },
    bindings: {
      kafka: {
        key: {
          type: 'string',
          description:
            version.type === 'EntryCountsUpdated'
              ? '`organisation|day|setting`: compaction keeps the latest total of each.'
              : "The patient's pseudonym (never an NHS number).",
        },
        bindingVersion: KAFKA_BINDING,
      },
    },
  }));
  const auditMessages = messagesOf(schemasDir, AUDIT_FAMILY, (version) => ({
    headers: {
      type: 'object',
      properties: {
        'carelog-audit-event': stringHeader('The event type.', { const: version.type }),
        'content-type': stringHeader('How the value is framed.', {
          const: CONTENT_TYPES.singleObject,
        }),
      },
    },
    bindings: {
      kafka: {
        key: {
          type: 'string',
          description:
            version.type === 'AuditCheckpointSigned'
              ? 'The audit trail the checkpoint signs the head of.'
              : 'The access id.',
        },
        bindingVersion: KAFKA_BINDING,
      },
    },
  }));

  const channels: Json = {};
  const operations: Json = {};
  const consumerGroups = [
    `${CONSUMER_GROUPS.projection}-v<N>`,
    CONSUMER_GROUPS.notifications,
    CONSUMER_GROUPS.analyticsExport,
  ];
  for (const domain of SOURCE_DOMAINS) {
    const id = channelId(domain);
    const types = Object.keys(entryMessages).filter((type) => {
      const published = domainOfType(type);
      return published === domain || published === 'any';
    });
    channels[id] = {
      address: recordEntryTopic(domain),
      title: `${domain} record entries`,
      description:
        'The system of record for this setting: kept forever, never compacted. Corrections and ' +
        "attention-task steps follow the entry they concern on that entry's topic.",
      messages: Object.fromEntries(
        types.map((type) => [type, ref(`#/components/messages/${type}`)]),
      ),
      bindings: topicBinding(recordTopicSpec(recordEntryTopic(domain))),
    };
    operations[`publish${id[0]?.toUpperCase()}${id.slice(1)}`] = {
      action: 'send',
      channel: ref(`#/channels/${id}`),
      summary: `Published by ${producersOf(domain).join(', ')} (acks=all, idempotent).`,
    };
    operations[`consume${id[0]?.toUpperCase()}${id.slice(1)}`] = {
      action: 'receive',
      channel: ref(`#/channels/${id}`),
      summary: 'Read by the projection, notifications and the analytics export.',
      bindings: {
        kafka: {
          groupId: { type: 'string', enum: consumerGroups },
          bindingVersion: KAFKA_BINDING,
        },
      },
    };
  }

  const deadLetterMessage: Json = {
    name: 'DeadLetter',
    title: 'A message a consumer group can never process',
    contentType: 'application/octet-stream',
    summary:
      "The original message's key, bytes and headers, unchanged, with why and where from. " +
      '`npm run dlq -- redrive` puts it back on the group`s re-drive topic.',
    headers: {
      type: 'object',
      required: [DLQ_HEADERS.code, DLQ_HEADERS.group, DLQ_HEADERS.sourceTopic],
      properties: Object.fromEntries(
        (Object.keys(DLQ_HEADERS) as Array<keyof typeof DLQ_HEADERS>).map((name) => [
          DLQ_HEADERS[name],
          stringHeader(DEAD_LETTER_HEADERS[name]),
        ]),
      ),
    },
    payload: { type: 'string', format: 'binary', description: 'The original value, as written.' },
  };
  const groupParameter = {
    consumerGroup: {
      description: 'The consumer group whose dead letters these are.',
      examples: [
        `${CONSUMER_GROUPS.projection}-v1`,
        CONSUMER_GROUPS.notifications,
        CONSUMER_GROUPS.analyticsExport,
      ],
    },
  };
  channels['deadLetters'] = {
    address: deadLetterTopic('{consumerGroup}'),
    title: 'Dead letters, one topic per consumer group',
    parameters: groupParameter,
    messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
    bindings: topicBinding(recordTopicSpec(deadLetterTopic('{consumerGroup}'), 1)),
  };
  channels['redrive'] = {
    address: redriveTopic('{consumerGroup}'),
    title: 'Dead letters re-driven to their group (read by that group only)',
    parameters: groupParameter,
    messages: { DeadLetter: ref('#/components/messages/DeadLetter') },
    bindings: topicBinding(recordTopicSpec(redriveTopic('{consumerGroup}'), 1)),
  };
  channels['webhookDeadLetters'] = {
    address: `${CONSUMER_GROUPS.notifications}.webhooks.dlq`,
    title: 'Webhook deliveries that could not be made',
    messages: { WebhookDeadLetter: ref('#/components/messages/WebhookDeadLetter') },
  };
  operations['deadLetter'] = operation(
    'send',
    'deadLetters',
    'A consumer gives up on a message that can never succeed (never on a transient one).',
  );
  operations['deadLetterWebhook'] = operation(
    'send',
    'webhookDeadLetters',
    'Notifications gives up on a webhook delivery after its last attempt.',
  );
  operations['consumeRedrive'] = operation(
    'receive',
    'redrive',
    'A consumer group reads its re-driven dead letters beside the record-entry topics.',
  );

  channels['auditAccessEvents'] = {
    address: AUDIT_TOPIC,
    title: 'Every read of patient data and every break-glass, allowed or denied',
    description: 'Read only by `npm run audit:verify`, to reconcile the hash-chained trail.',
    messages: { AccessEventRecorded: ref('#/components/messages/AccessEventRecorded') },
    bindings: topicBinding(recordTopicSpec(AUDIT_TOPIC)),
  };
  channels['auditCheckpoints'] = {
    address: AUDIT_CHECKPOINTS_TOPIC,
    title: "Signed checkpoints of the audit chain's head",
    messages: { AuditCheckpointSigned: ref('#/components/messages/AuditCheckpointSigned') },
    bindings: topicBinding(recordTopicSpec(AUDIT_CHECKPOINTS_TOPIC, 1)),
  };
  operations['publishAuditAccessEvents'] = operation(
    'send',
    'auditAccessEvents',
    'The record API, for every access.',
  );
  operations['publishAuditCheckpoints'] = operation(
    'send',
    'auditCheckpoints',
    'The record API, on a schedule.',
  );
  operations['verifyAuditAccessEvents'] = operation(
    'receive',
    'auditAccessEvents',
    '`npm run audit:verify`, as a group of its own per run.',
  );

  const analyticsEntries = analyticsEntriesTopicSpec();
  const analyticsCounts = analyticsCountsTopicSpec();
  channels['analyticsRecordEntries'] = {
    address: analyticsEntries.topic,
    title: 'The pseudonymised feed (opt-outs enforced), kept 30 days',
    messages: { AnalyticsRecordEntry: ref('#/components/messages/AnalyticsRecordEntry') },
    bindings: topicBinding(analyticsEntries),
  };
  channels['analyticsEntryCounts'] = {
    address: analyticsCounts.topic,
    title: 'Running totals per organisation, day and setting, for commissioners; compacted',
    messages: { EntryCountsUpdated: ref('#/components/messages/EntryCountsUpdated') },
    bindings: topicBinding(analyticsCounts),
  };
  operations['publishAnalyticsRecordEntries'] = operation(
    'send',
    'analyticsRecordEntries',
    'The analytics export.',
  );
  operations['publishAnalyticsEntryCounts'] = operation(
    'send',
    'analyticsEntryCounts',
    'The analytics export.',
  );

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'carelog events',
      version: 'v1',
      description:
        'Every Kafka topic carelog owns. Record-entry values are Avro, framed as `content-type` ' +
        'says (single-object: C3 01 + 8-byte CRC-64-AVRO fingerprint; see the README, "Event ' +
        'consumers"); the writer schema of every version is in schemas/ and listed per message ' +
        'with its fingerprint. Generated by `npm run schemas:generate`; do not edit.',
      license: { name: 'carelog' },
    },
    defaultContentType: 'application/octet-stream',
    servers: {
      local: {
        host: 'localhost:9092',
        protocol: 'kafka',
        description: '`npm start` (KAFKA_BROKERS points the services elsewhere).',
      },
    },
    channels,
    operations,
    components: {
      messages: {
        ...entryMessages,
        ...analyticsMessages,
        ...auditMessages,
        DeadLetter: deadLetterMessage,
        WebhookDeadLetter: {
          name: 'WebhookDeadLetter',
          contentType: 'application/json',
          headers: {
            type: 'object',
            properties: {
              [DLQ_HEADERS.code]: stringHeader(DEAD_LETTER_HEADERS.code),
              [DLQ_HEADERS.reason]: stringHeader(DEAD_LETTER_HEADERS.reason),
              'carelog-delivery-id': stringHeader('The delivery id.'),
            },
          },
          payload: {
            type: 'object',
            required: ['deliveryId', 'subscriptionId', 'attempts', 'reason', 'notification'],
            properties: {
              deliveryId: { type: 'string', format: 'uuid' },
              subscriptionId: { type: 'string', format: 'uuid' },
              attempts: { type: 'integer', minimum: 1 },
              reason: { type: 'string' },
              notification: { type: 'object', description: 'The webhook body it was to send.' },
            },
          },
        },
      },
    },
  };
}
