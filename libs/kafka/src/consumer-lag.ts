import type { Admin, Kafka } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * A lag read this recently is served as it is. Lag is read when the metrics are scraped (and
 * when asked for), never on a timer of its own: an idle consumer does no work between scrapes.
 */
export const LAG_REFRESH_MS = 2000;

/** One partition as the last refresh saw it. */
export interface PartitionLag {
  topic: string;
  partition: number;
  /** The broker's end offset: the next offset to be written. */
  end: bigint;
  /** The next offset the consumer's store needs (its checkpoint), or the log start if it holds none. */
  next: bigint;
  /** Messages on the log past the checkpoint. */
  lag: number;
  /** How long the oldest message past the checkpoint has been waiting; 0 when caught up. */
  oldestUnprocessedSeconds: number;
}

/** The consumer-health series of one Prometheus registry, shared by every consumer group in the process. */
/** An `onLag` that sets a service's own lag gauge (labelled topic and partition) for every partition. */
export const lagInto =
  (gauge: Gauge<'topic' | 'partition'>) =>
  (partitions: readonly PartitionLag[]): void => {
    for (const entry of partitions)
      gauge.set({ topic: entry.topic, partition: String(entry.partition) }, entry.lag);
  };

export interface ConsumerMetrics {
  lag: Gauge<'consumer_group' | 'topic' | 'partition'>;
  oldestUnprocessed: Gauge<'consumer_group' | 'topic' | 'partition'>;
  stall: Gauge<'consumer_group'>;
  refreshedAt: Gauge<'consumer_group'>;
  deadLetters: Counter<'consumer_group' | 'code'>;
  retries: Counter<'consumer_group' | 'kind'>;
  logResets: Counter<'consumer_group' | 'topic' | 'partition'>;
}

const byRegistry = new WeakMap<Registry, ConsumerMetrics>();
/** The running monitors that publish to each registry's series: a scrape refreshes them. */
const monitorsOf = new WeakMap<ConsumerMetrics, Set<ConsumerLagMonitor>>();

/** The consumer-health series on `registry`, created the first time it is asked for. */
export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const monitors = new Set<ConsumerLagMonitor>();
  const created: ConsumerMetrics = {
    lag: new Gauge({
      name: 'carelog_consumer_lag',
      help: "Messages on the log past the consumer group's stored checkpoint, for every partition it reads (read from the broker's end offsets at each scrape, also while the consumer is stuck)",
      labelNames: ['consumer_group', 'topic', 'partition'],
      registers,
      // The first of the series in the registry: the scrape reads the lag before any is shown.
      async collect() {
        await Promise.all(
          [...monitors].map((monitor) => monitor.refreshIfOlderThan(LAG_REFRESH_MS)),
        );
      },
    }),
    oldestUnprocessed: new Gauge({
      name: 'carelog_consumer_oldest_unprocessed_seconds',
      help: 'Age of the oldest message past the checkpoint (its log time when the consumer has read it, else how long the checkpoint has stood still with messages behind it); 0 when caught up',
      labelNames: ['consumer_group', 'topic', 'partition'],
      registers,
    }),
    stall: new Gauge({
      name: 'carelog_consumer_stall_seconds',
      help: 'The largest carelog_consumer_oldest_unprocessed_seconds of the consumer group',
      labelNames: ['consumer_group'],
      registers,
    }),
    refreshedAt: new Gauge({
      name: 'carelog_consumer_lag_refreshed_timestamp_seconds',
      help: 'When the lag of the consumer group was last read (Unix time)',
      labelNames: ['consumer_group'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'carelog_consumer_dead_letters_total',
      help: "Messages sent to the consumer group's dead-letter topic, by reason code",
      labelNames: ['consumer_group', 'code'],
      registers,
    }),
    retries: new Counter({
      name: 'carelog_consumer_write_retries_total',
      help: 'Writes tried again after a failure, by kind (transient: bounded attempts; unavailable: until the store or broker is back)',
      labelNames: ['consumer_group', 'kind'],
      registers,
    }),
    logResets: new Counter({
      name: 'carelog_consumer_log_resets_total',
      help: 'Partitions found to end before the stored checkpoint (the topic re-created or the cluster replaced) and read again from their start: alert on any',
      labelNames: ['consumer_group', 'topic', 'partition'],
      registers,
    }),
  };
  byRegistry.set(registry, created);
  monitorsOf.set(created, monitors);
  return created;
}

export interface ConsumerLagMonitorOptions {
  consumerGroup: string;
  topics: () => string[];
  /** The next offset the store holds for a partition (the truth), or undefined. */
  checkpoint(topic: string, partition: number): Promise<bigint | undefined>;
  metrics?: ConsumerMetrics;
  onRefresh?(partitions: readonly PartitionLag[]): void;
  logger: { warn(message: string): void };
}

const key = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * Lag from the broker's end offsets against the store's checkpoint, for every partition of
 * every topic the group reads (not only those that have had a batch), read when the metrics
 * are scraped (at most every LAG_REFRESH_MS) rather than on a timer: it goes on counting while
 * the consumer is stuck on a write, and costs nothing while nobody looks. When the store cannot be read,
 * Kafka's committed offset (which lags the store, never leads it) stands in, so the lag shown
 * is never less than the truth.
 */
export class ConsumerLagMonitor {
  private admin: Admin | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshedAt = 0;
  private current: PartitionLag[] = [];
  /** For each partition behind: the checkpoint it stood at and since when it was seen there. */
  private readonly standingSince = new Map<string, { next: bigint; since: number }>();
  /** The log time of messages the consumer has read but not yet stored, by partition and offset. */
  private readonly heads = new Map<string, { offset: bigint; timestamp: number }>();
  private warned = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerLagMonitorOptions,
  ) {}

  async start(): Promise<void> {
    this.admin = this.kafka.admin();
    await this.admin.connect();
    await this.refresh();
    if (this.options.metrics) monitorsOf.get(this.options.metrics)?.add(this);
  }

  async stop(): Promise<void> {
    if (this.options.metrics) monitorsOf.get(this.options.metrics)?.delete(this);
    await this.refreshing;
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  /** Every partition as last read. */
  get partitions(): readonly PartitionLag[] {
    return this.current;
  }

  /** The consumer has read the message at `offset` (not yet stored): its log time dates the stall. */
  noteUnprocessed(topic: string, partition: number, offset: string, timestamp: string): void {
    const at = Number(timestamp);
    if (!Number.isFinite(at)) return;
    this.heads.set(key(topic, partition), { offset: BigInt(offset), timestamp: at });
  }

  /** Reads every partition's lag now (a read already under way is shared). */
  refresh(): Promise<void> {
    this.refreshing ??= this.readLag().finally(() => {
      this.refreshedAt = Date.now();
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Reads the lag again unless it was read within `ms` (a scrape). */
  refreshIfOlderThan(ms: number): Promise<void> {
    return Date.now() - this.refreshedAt < ms ? Promise.resolve() : this.refresh();
  }

  private async committedOffsets(admin: Admin, topics: string[]): Promise<Map<string, bigint>> {
    const committed = new Map<string, bigint>();
    for (const { topic, partitions } of await admin.fetchOffsets({
      groupId: this.options.consumerGroup,
      topics,
    }))
      for (const { partition, offset } of partitions)
        if (BigInt(offset) >= 0n) committed.set(key(topic, partition), BigInt(offset));
    return committed;
  }

  private async readLag(): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    try {
      const topics = this.options.topics();
      const committed = await this.committedOffsets(admin, topics);
      const now = Date.now();
      const next: PartitionLag[] = [];
      for (const topic of topics) {
        for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
          const stored = await this.options.checkpoint(topic, partition).catch(() => undefined);
          const from = stored ?? committed.get(key(topic, partition)) ?? BigInt(low);
          const end = BigInt(high);
          const lag = end > from ? Number(end - from) : 0;
          next.push({
            topic,
            partition,
            end,
            next: from,
            lag,
            oldestUnprocessedSeconds: this.ageOfOldest(topic, partition, from, lag, now),
          });
        }
      }
      this.current = next;
      this.publish(next, now);
      this.warned = false;
    } catch (error) {
      if (!this.warned)
        this.options.logger.warn(
          `could not read the lag of ${this.options.consumerGroup}: ${(error as Error).name}`,
        );
      this.warned = true;
    }
  }

  private ageOfOldest(
    topic: string,
    partition: number,
    next: bigint,
    lag: number,
    now: number,
  ): number {
    const id = key(topic, partition);
    if (lag === 0) {
      this.standingSince.delete(id);
      this.heads.delete(id);
      return 0;
    }
    const standing = this.standingSince.get(id);
    const since = standing && standing.next === next ? standing.since : now;
    this.standingSince.set(id, { next, since });
    const head = this.heads.get(id);
    const logged = head && head.offset === next ? head.timestamp : now;
    return Math.max(0, (now - Math.min(since, logged)) / 1000);
  }

  private publish(partitions: readonly PartitionLag[], now: number): void {
    const metrics = this.options.metrics;
    if (metrics) {
      const consumer_group = this.options.consumerGroup;
      let stall = 0;
      for (const entry of partitions) {
        const labels = { consumer_group, topic: entry.topic, partition: String(entry.partition) };
        metrics.lag.set(labels, entry.lag);
        metrics.oldestUnprocessed.set(labels, entry.oldestUnprocessedSeconds);
        stall = Math.max(stall, entry.oldestUnprocessedSeconds);
      }
      metrics.stall.set({ consumer_group }, stall);
      metrics.refreshedAt.set({ consumer_group }, now / 1000);
    }
    this.options.onRefresh?.(partitions);
  }
}
