import { Logger } from '@nestjs/common';
import type { EventCodec } from '@carelog/codec';
import { deadLetterTopic, ensureTopics, platformTopics, recordTopicSpec } from '@carelog/kafka';
import {
  readModelDataSource,
  type ReadModelVersion,
  type ReadModelVersions,
} from '@carelog/read-model';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ProjectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

/** How often a running projection looks for a switch to a rebuilt read-model version. */
export const SWITCH_POLL_MS = 5000;

interface Running {
  version: ReadModelVersion;
  dataSource: DataSource;
  consumer: ProjectionConsumer;
}

/**
 * Keeps the serving read-model version up to date. When a rebuild switches the serving
 * version, it stops feeding the old one and carries on with the new version's consumer
 * group, from where the rebuild left it.
 */
export class ProjectionRunner {
  private readonly logger = new Logger('ProjectionRunner');
  private running: Running | undefined;
  private timer: NodeJS.Timeout | undefined;
  private switching = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly versions: ReadModelVersions,
  ) {}

  get current(): Running | undefined {
    return this.running;
  }

  async start(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, platformTopics());
    } finally {
      await admin.disconnect();
    }
    this.running = await this.feed(await this.versions.activeOrInitial());
    this.timer = setInterval(() => void this.followSwitch(), SWITCH_POLL_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.release(this.running);
    this.running = undefined;
  }

  private async feed(version: ReadModelVersion): Promise<Running> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [recordTopicSpec(deadLetterTopic(version.consumerGroup), 1)]);
    } finally {
      await admin.disconnect();
    }
    await this.versions.upgrade(version);
    const dataSource = readModelDataSource({
      schema: version.schema,
      applicationName: 'carelog-projection',
    });
    await dataSource.initialize();
    const consumer = new ProjectionConsumer(
      this.kafka,
      this.codec,
      new RecordWriter(dataSource),
      version.consumerGroup,
    );
    await consumer.start();
    this.logger.log(`projecting into read-model version ${version.version} (${version.schema})`);
    return { version, dataSource, consumer };
  }

  private async release(running: Running | undefined): Promise<void> {
    if (!running) return;
    await running.consumer.stop();
    await running.dataSource.destroy();
  }

  private async followSwitch(): Promise<void> {
    if (this.switching || !this.running) return;
    this.switching = true;
    try {
      const active = await this.versions.active();
      if (active && active.version !== this.running.version.version) {
        this.logger.log(`read model switched to version ${active.version}; following it`);
        await this.release(this.running);
        this.running = await this.feed(active);
      }
    } catch (error) {
      this.logger.warn(`could not check the serving read-model version: ${(error as Error).name}`);
    } finally {
      this.switching = false;
    }
  }
}
