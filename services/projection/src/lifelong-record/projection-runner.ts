import { Logger } from '@nestjs/common';
import type { EventCodec } from '@carelog/codec';
import {
  deadLetterTopic,
  ensureTopics,
  platformTopics,
  recordTopicSpec,
  type CheckpointedConsumer,
} from '@carelog/kafka';
import {
  readModelDataSource,
  type ReadModelVersion,
  type ReadModelVersions,
} from '@carelog/read-model';
import { PollingLoop } from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { projectionConsumer } from './projection-consumer';
import { RecordWriter } from './record-writer';

/** How often a running projection looks for a switch to a rebuilt read-model version. */
export const SWITCH_POLL_MS = 5000;
/** How long start-up keeps retrying what the broker calls retriable (a topic not served yet, a coordinator loading). */
export const START_RETRY_MS = 60_000;

const isRetriable = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  (error as { retriable?: unknown }).retriable === true;

interface Running {
  version: ReadModelVersion;
  dataSource: DataSource;
  consumer: CheckpointedConsumer;
}

/**
 * Keeps the serving read-model version up to date. When a rebuild switches the serving
 * version, it stops feeding the old one and carries on with the new version's consumer
 * group, from where the rebuild left it.
 */
export class ProjectionRunner {
  private readonly logger = new Logger('ProjectionRunner');
  private running: Running | undefined;
  private readonly switchWatch = new PollingLoop({
    name: 'serving read-model version check',
    run: () => this.followSwitch(),
    intervalMs: SWITCH_POLL_MS,
    logger: this.logger,
  });

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly versions: Pick<ReadModelVersions, 'active' | 'activeOrInitial' | 'upgrade'>,
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
    this.running = await this.feedRetrying(await this.versions.activeOrInitial());
    this.switchWatch.start();
  }

  async stop(): Promise<void> {
    await this.switchWatch.stop();
    await this.release(this.running);
    this.running = undefined;
  }

  /**
   * A broker that has just created a topic, or is still loading a coordinator, answers some
   * requests with a retriable error for a moment: start again rather than give up.
   */
  private async feedRetrying(version: ReadModelVersion): Promise<Running> {
    const deadline = Date.now() + START_RETRY_MS;
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await this.feed(version);
      } catch (error) {
        if (!isRetriable(error) || Date.now() > deadline) throw error;
        this.logger.warn(`start-up: ${(error as Error).message}; retrying in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
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
    const consumer = projectionConsumer(
      this.kafka,
      this.codec,
      new RecordWriter(dataSource),
      version.consumerGroup,
    );
    try {
      await consumer.start();
    } catch (error) {
      await consumer.stop().catch(() => undefined);
      await dataSource.destroy();
      throw error;
    }
    this.logger.log(`projecting into read-model version ${version.version} (${version.schema})`);
    return { version, dataSource, consumer };
  }

  private async release(running: Running | undefined): Promise<void> {
    if (!running) return;
    try {
      await running.consumer.stop();
    } finally {
      await running.dataSource.destroy();
    }
  }

  /**
   * Follows a switch. The old version is let go before the new one is fed (never two
   * consumers writing at once) and forgotten as it is, so that a failure to feed the new one
   * leaves nothing to release twice: the next check tries the new version again.
   */
  private async followSwitch(): Promise<void> {
    const active = await this.versions.active();
    if (!active || active.version === this.running?.version.version) return;
    this.logger.log(`read model switched to version ${active.version}; following it`);
    const old = this.running;
    this.running = undefined;
    await this.release(old);
    this.running = await this.feedRetrying(active);
  }
}
