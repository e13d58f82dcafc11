import { Logger } from '@nestjs/common';
import type { AnalyticsCodec, EventCodec, RecordEntryEvent } from '@carelog/codec';
import type { SourceDomain } from '@carelog/domain';
import { CheckpointedConsumer, domainOfTopic, lagInto, type ConsumedBatch } from '@carelog/kafka';
import { metricsRegistry } from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
import { toAnalyticsCandidate, type FeedSettings } from '../pseudonymised-entry/analytics-entry';
import { isAnalyticsOptOutType } from '../pseudonymised-entry/export-decision';
import { consumerLag, deadLetters, excludedEntries } from './export-metrics';
import type { ExportStore, OptOutChange, StagedEntry } from './export-store';

/** What one event means for the feed, worked out before the batch is written. */
export interface Prepared {
  staged: StagedEntry | undefined;
  optOutChange: OptOutChange | undefined;
}

/** The opt-out change an event makes, if it is one the feed must honour. */
function optOutChange(event: RecordEntryEvent, settings: FeedSettings): OptOutChange | undefined {
  if (event.type !== 'OptOutRecorded' && event.type !== 'OptOutWithdrawn') return undefined;
  const { optOutType } = event.payload;
  if (!isAnalyticsOptOutType(optOutType)) return undefined;
  return {
    patientPseudonym: settings.key.patient(event.patient.nhsNumber),
    optOutType,
    // A recorded opt-out counts at once, even before the source says it is effective: the
    // safe side is to leave data out early, never to let it through late.
    active: event.type === 'OptOutRecorded',
    changedAt: event.recordedAt,
  };
}

/** The setting a record-entry topic carries. */
function settingOf(topic: string): SourceDomain {
  const setting = domainOfTopic(topic);
  if (!setting) throw new Error(`${topic} is not a record-entry topic`);
  return setting;
}

/** How far the batch reached in system time: the consent watermark moves with it. */
function latestRecordedAt(batch: ConsumedBatch<Prepared>): Date | undefined {
  let latest: Date | undefined;
  for (const { event } of batch.events)
    if (!latest || event.recordedAt > latest) latest = event.recordedAt;
  return latest;
}

/** Shapes one entry for the feed; a reason to leave it out is counted, not staged. */
function stage(
  event: RecordEntryEvent,
  setting: SourceDomain,
  codecs: { codec: EventCodec; analyticsCodec: AnalyticsCodec },
  settings: FeedSettings,
): StagedEntry | undefined {
  const schema = codecs.codec.catalogue.current(event.type);
  if (!schema) return undefined;
  const shaped = toAnalyticsCandidate({ event, setting, schema }, settings);
  if ('excluded' in shaped) {
    excludedEntries.inc({ reason: shaped.excluded });
    return undefined;
  }
  const { entry, clinicalDay } = shaped.candidate;
  return {
    analyticsId: entry.analyticsId,
    patientPseudonym: entry.patientPseudonym,
    setting,
    organisation: entry.organisation,
    clinicalDay,
    recordedAt: event.recordedAt,
    message: codecs.analyticsCodec.encode('AnalyticsRecordEntry', entry),
  };
}

/**
 * Reads every record-entry topic in one consumer group. Each partition batch is written in
 * one Postgres transaction with its checkpoint: entries staged (already pseudonymised, not
 * yet decided) and opt-out changes applied. Kafka's committed offset only follows.
 */
export function exportConsumer(
  kafka: Kafka,
  codec: EventCodec,
  analyticsCodec: AnalyticsCodec,
  store: ExportStore,
  settings: FeedSettings,
  consumerGroup: string,
  /** Told after each batch is stored (wakes the release loop). */
  onWritten?: () => void,
): CheckpointedConsumer<Prepared> {
  const partitionOf = (topic: string, partition: number) => ({
    consumerGroup,
    topic,
    partition,
  });
  return new CheckpointedConsumer<Prepared>(kafka, codec, {
    consumerGroup,
    checkpoint: (topic, partition) => store.checkpoints.read(partitionOf(topic, partition)),
    prepare: (event, position) => ({
      staged: stage(event, settingOf(position.topic), { codec, analyticsCodec }, settings),
      optOutChange: optOutChange(event, settings),
    }),
    write: (batch) =>
      store.writeBatch({
        partition: partitionOf(batch.topic, batch.partition),
        staged: batch.events.flatMap(({ prepared }) => prepared.staged ?? []),
        optOutChanges: batch.events.flatMap(({ prepared }) => prepared.optOutChange ?? []),
        nextOffset: batch.nextOffset,
        maxRecordedAt: latestRecordedAt(batch),
      }),
    onWritten: () => onWritten?.(),
    onLag: lagInto(consumerLag),
    onDeadLettered: (count) => deadLetters.inc(count),
    metrics: metricsRegistry,
    logger: new Logger('ExportConsumer'),
  });
}
