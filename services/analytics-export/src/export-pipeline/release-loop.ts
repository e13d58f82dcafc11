import { Logger } from '@nestjs/common';
import type { AnalyticsCodec } from '@carelog/codec';
import { PollingLoop } from '@carelog/nest-platform';
import { analyticsCountsTopic, analyticsEntriesTopic, recordEntryTopic } from '@carelog/kafka';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { optOutExclusion } from '../pseudonymised-entry/export-decision';
import { isSourceDomain } from '../pseudonymised-entry/source-domain';
import { consentWatermark } from './consent-watermark';
import {
  awaitingConsent,
  consentWatermarkLag,
  excludedEntries,
  exportedEntries,
} from './export-metrics';
import type { ExportStore } from './export-store';
import { ReleasePace } from './release-pace';

/** How often the loop looks for entries the consent watermark has passed, while some wait. */
export const RELEASE_INTERVAL_MS = 500;
/**
 * How often it looks when nothing was waiting at the last look, as a fallback only: the
 * consumer wakes it whenever it has written a batch (`wake`), so an idle service idles.
 */
export const IDLE_RELEASE_INTERVAL_MS = 60_000;
/** Entries decided and published per transaction. */
export const RELEASE_BATCH = 500;
/** How long decided rows stay in the store (without their message), and how often they go. */
export const KEEP_RELEASED_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;
const dayNumber = (isoDay: string): number => Date.parse(`${isoDay}T00:00:00Z`) / DAY_MS;

/**
 * Decides staged entries once the consent watermark has passed their recordedAt: publishes
 * the exported ones (keyed by pseudonym) and the new totals of the commissioners' counts,
 * then marks every decided row released, all inside one database transaction. Any number of
 * instances may run it: each takes rows no other holds.
 */
export class ReleaseLoop {
  private readonly producer: Producer;
  private readonly admin: Admin;
  /** Sooner while entries wait, at the idle pace when none did at the last look. */
  private readonly loop = new PollingLoop({
    name: 'release',
    run: () => this.releaseAll(),
    intervalMs: () => this.pace.nextIntervalMs(),
    logger: new Logger('ReleaseLoop'),
  });
  private readonly pace: ReleasePace;
  private stopped = false;
  private prunedAt = 0;

  constructor(
    kafka: Kafka,
    private readonly analyticsCodec: AnalyticsCodec,
    private readonly store: ExportStore,
    private readonly consumerGroup: string,
    private readonly publishMarginMs: number,
    idleIntervalMs = IDLE_RELEASE_INTERVAL_MS,
  ) {
    this.pace = new ReleasePace(RELEASE_INTERVAL_MS, idleIntervalMs);
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    this.admin = kafka.admin();
  }

  async start(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    this.loop.start();
  }

  /**
   * The consumer has written a batch (entries staged, or the consent watermark moved on):
   * look now if the loop is at its idle pace; while entries wait it looks soon anyway.
   */
  wake(): void {
    if (this.pace.wake()) this.loop.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop.stop();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }

  /** The consent watermark as of now, from the broker's high watermarks and our checkpoints. */
  async watermark(): Promise<Date | undefined> {
    const topic = recordEntryTopic('patient');
    const observedAt = new Date();
    const offsets = await this.admin.fetchTopicOffsets(topic);
    const checkpoints = new Map(
      (await this.store.checkpoints.readAll(this.consumerGroup, topic)).map((row) => [
        row.partition,
        row,
      ]),
    );
    const watermark = consentWatermark(
      offsets.map((offset) => ({
        partition: offset.partition,
        highWatermark: BigInt(offset.high),
        nextOffset: checkpoints.get(offset.partition)?.nextOffset,
        maxRecordedAt: checkpoints.get(offset.partition)?.maxRecordedAt,
      })),
      observedAt,
      this.publishMarginMs,
    );
    if (watermark) consentWatermarkLag.set((Date.now() - watermark.getTime()) / 1000);
    return watermark;
  }

  /** Releases everything the watermark has passed; returns how many entries were decided. */
  async releaseAll(): Promise<number> {
    this.pace.lookStarted();
    const watermark = await this.watermark();
    let decided = 0;
    if (watermark) {
      for (;;) {
        const released = await this.releaseBatch(watermark);
        decided += released;
        if (released < RELEASE_BATCH || this.stopped) break;
      }
    }
    const awaiting = await this.store.awaitingDecision();
    this.pace.counted(awaiting);
    awaitingConsent.set(awaiting);
    if (Date.now() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await this.store.pruneReleased(new Date(Date.now() - KEEP_RELEASED_MS));
    }
    return decided;
  }

  private releaseBatch(watermark: Date): Promise<number> {
    return this.store.releaseUpTo(watermark, RELEASE_BATCH, async (entries, tx) => {
      const outcomes = entries.map((entry) => ({
        entry,
        outcome:
          (isSourceDomain(entry.setting)
            ? optOutExclusion(entry.setting, {
                nationalDataOptOut: entry.nationalDataOptOut,
                type1: entry.type1,
              })
            : undefined) ?? ('exported' as const),
      }));
      const exported = outcomes.filter((o) => o.outcome === 'exported').map((o) => o.entry);
      const totals = await tx.addToCounts(exported);
      if (exported.length > 0) {
        await this.producer.sendBatch({
          acks: -1,
          topicMessages: [
            {
              topic: analyticsEntriesTopic(),
              messages: exported.map((entry) => ({
                key: entry.patientPseudonym,
                value: entry.message,
                headers: { 'carelog-analytics-event': 'AnalyticsRecordEntry' },
              })),
            },
            {
              topic: analyticsCountsTopic(),
              messages: totals.map((total) => ({
                key: `${total.organisation}|${total.day}|${total.setting}`,
                value: this.analyticsCodec.encode('EntryCountsUpdated', {
                  organisation: total.organisation,
                  day: dayNumber(total.day),
                  setting: total.setting,
                  entriesExported: total.entriesExported,
                }),
                headers: { 'carelog-analytics-event': 'EntryCountsUpdated' },
              })),
            },
          ],
        });
      }
      await tx.markReleased(
        outcomes.map((o) => ({ analyticsId: o.entry.analyticsId, outcome: o.outcome })),
      );
      exportedEntries.inc(exported.length);
      for (const { outcome } of outcomes)
        if (outcome !== 'exported') excludedEntries.inc({ reason: outcome });
      return entries.length;
    });
  }
}
