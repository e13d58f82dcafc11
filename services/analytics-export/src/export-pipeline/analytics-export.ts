import { loadAnalyticsCodec, loadEventCodec } from '@carelog/codec';
import { ensureTopics, platformTopics, type CheckpointedConsumer } from '@carelog/kafka';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import type { ExportConfig } from '../export-config';
import { exportConsumer, type Prepared } from './export-consumer';
import { ExportStore, migrateExportStore } from './export-store';
import { ReleaseLoop } from './release-loop';

/** The whole export: its store, the consumer that stages, and the loop that decides. */
export class AnalyticsExport {
  readonly store: ExportStore;
  readonly consumer: CheckpointedConsumer<Prepared>;
  readonly releases: ReleaseLoop;

  constructor(
    private readonly kafka: Kafka,
    readonly dataSource: DataSource,
    readonly config: ExportConfig,
    /** The release loop's fallback look while nothing waits (tests stretch it). */
    releaseIdleIntervalMs?: number,
  ) {
    const codec = loadEventCodec();
    const analyticsCodec = loadAnalyticsCodec();
    this.store = new ExportStore(dataSource);
    this.consumer = exportConsumer(
      kafka,
      codec,
      analyticsCodec,
      this.store,
      { key: config.key, precision: config.precision },
      config.consumerGroup,
      () => this.releases.wake(),
    );
    this.releases = new ReleaseLoop(
      kafka,
      analyticsCodec,
      this.store,
      config.consumerGroup,
      config.publishMarginMs,
      releaseIdleIntervalMs,
    );
  }

  async start(): Promise<void> {
    if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    await migrateExportStore(this.dataSource);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, platformTopics([this.config.consumerGroup]));
    } finally {
      await admin.disconnect();
    }
    await this.consumer.start();
    await this.releases.start();
  }

  async stop(): Promise<void> {
    await this.releases.stop();
    await this.consumer.stop();
  }
}
