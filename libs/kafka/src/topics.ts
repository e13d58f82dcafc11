import { setting } from '@carelog/config';
import { SOURCE_DOMAINS, type SourceDomain } from '@carelog/domain';
import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * Topic names are part of the contract other teams build on (docs/architecture.md, "Topics"). The
 * prefix is `carelog`; CARELOG_TOPIC_PREFIX changes it only to give a test or a benchmark
 * topics of its own on a shared broker.
 */
const topicPrefix = (): string => setting('CARELOG_TOPIC_PREFIX');
export const recordEntryTopic = (domain: SourceDomain): string =>
  `${topicPrefix()}.${domain}.record-entries.v1`;
export const recordEntryTopics = (): string[] => SOURCE_DOMAINS.map(recordEntryTopic);
/** The source domain a record-entry topic carries. */
export const domainOfTopic = (topic: string): SourceDomain | undefined =>
  SOURCE_DOMAINS.find((domain) => recordEntryTopic(domain) === topic);
export const AUDIT_TOPIC = 'carelog.audit.access-events.v1';
/** Signed checkpoints of the audit chain's head (libs/audit), keyed by trail; kept forever. */
export const AUDIT_CHECKPOINTS_TOPIC = 'carelog.audit.checkpoints.v1';
/** The pseudonymised feed (services/analytics-export), keyed by patient pseudonym. */
export const analyticsEntriesTopic = (): string => `${topicPrefix()}.analytics.record-entries.v1`;
/** Running totals of exported entries per organisation, day and setting; compacted. */
export const analyticsCountsTopic = (): string => `${topicPrefix()}.analytics.entry-counts.v1`;
export const deadLetterTopic = (consumerGroup: string): string => `${consumerGroup}.dlq`;
/**
 * Where `npm run dlq -- redrive` puts a group's dead letters back: read by that group only
 * (the record-entry topics, the system of record, never get a second copy).
 */
export const redriveTopic = (consumerGroup: string): string => `${consumerGroup}.redrive`;
/** A consumer group's own topics: its dead letters and their re-drive. */
export const consumerGroupTopics = (consumerGroup: string): ITopicConfig[] => [
  recordTopicSpec(deadLetterTopic(consumerGroup), 1),
  recordTopicSpec(redriveTopic(consumerGroup), 1),
];

/** The system of record: kept forever, never compacted. */
const forever = [
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: '-1' },
  { name: 'cleanup.policy', value: 'delete' },
];

export function recordTopicSpec(
  topic: string,
  numPartitions = setting('CARELOG_TOPIC_PARTITIONS'),
): ITopicConfig {
  return { topic, numPartitions, replicationFactor: -1, configEntries: forever };
}

/**
 * The analytics feed is derived and re-derivable, not a system of record: it is kept for
 * 30 days, long enough for a consumer to load it into its own store after an outage, short
 * enough that what it holds about a patient who later opts out does not stay on it for ever.
 */
export const ANALYTICS_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export function analyticsEntriesTopicSpec(
  numPartitions = setting('CARELOG_TOPIC_PARTITIONS'),
): ITopicConfig {
  return {
    topic: analyticsEntriesTopic(),
    numPartitions,
    replicationFactor: -1,
    configEntries: [
      { name: 'retention.ms', value: String(ANALYTICS_RETENTION_MS) },
      { name: 'cleanup.policy', value: 'delete' },
    ],
  };
}

/** Compacted: the latest total per organisation|day|setting is kept, earlier ones go. */
export function analyticsCountsTopicSpec(
  numPartitions = setting('CARELOG_TOPIC_PARTITIONS'),
): ITopicConfig {
  return {
    topic: analyticsCountsTopic(),
    numPartitions,
    replicationFactor: -1,
    configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
  };
}

/** Every topic the platform owns, with its settings. */
export function platformTopics(consumerGroups: readonly string[] = []): ITopicConfig[] {
  return [
    ...recordEntryTopics().map((topic) => recordTopicSpec(topic)),
    recordTopicSpec(AUDIT_TOPIC),
    recordTopicSpec(AUDIT_CHECKPOINTS_TOPIC, 1),
    analyticsEntriesTopicSpec(),
    analyticsCountsTopicSpec(),
    ...consumerGroups.flatMap(consumerGroupTopics),
  ];
}

/** Creates whichever of the topics do not exist yet; existing topics are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return;
  try {
    // Waiting for leaders is done below: kafkajs's own wait gives up when a broker still
    // answers "does not host this topic-partition" for a topic it has just created.
    await admin.createTopics({ topics: missing, waitForLeaders: false });
  } catch (error) {
    // Another service may have created some of them at the same moment: that is success.
    const now = new Set(await admin.listTopics());
    if (missing.some((spec) => !now.has(spec.topic))) throw error;
  }
  await untilServed(
    admin,
    missing.map((spec) => spec.topic),
  );
}

/** How long a new topic may take to be served with a leader for every partition. */
export const TOPIC_READY_TIMEOUT_MS = 30_000;

/**
 * A topic just created can still be unknown to the broker's metadata for a moment, and a
 * client that subscribes then fails with "This server does not host this topic-partition".
 * Waits until every partition of every topic has a leader.
 */
async function untilServed(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      const { topics: served } = await admin.fetchTopicMetadata({ topics });
      const ready =
        served.length === topics.length &&
        served.every(
          (topic) =>
            topic.partitions.length > 0 &&
            topic.partitions.every((partition) => partition.leader >= 0),
        );
      if (ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `topics not served within ${TOPIC_READY_TIMEOUT_MS} ms: ${topics.join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
