import {
  deadLetterTopic,
  platformTopics,
  recordTopicSpec,
  redriveTopic,
  serviceAccess,
  type Grant,
  type Operation,
} from '@carelog/kafka';
import { readModelVersion } from '@carelog/read-model';
import { join } from 'node:path';
import { repoRoot } from '@carelog/local-infra';

/**
 * The Kafka data of the Helm chart (`infra/helm/carelog/files/kafka.json`: Strimzi
 * `KafkaTopic` and `KafkaUser` resources), generated from the topic and consumer-group
 * definitions the services use, so that the chart and the code cannot drift:
 * `npm run deploy:generate` writes it, `chart-data.spec.ts` fails when it is stale.
 */
export const CHART_DATA_FILE = join(repoRoot, 'infra', 'helm', 'carelog', 'files', 'kafka.json');

/**
 * The consumer groups, as the services name them by default (CARELOG_PROJECTION_GROUP,
 * CARELOG_NOTIFICATIONS_GROUP, CARELOG_ANALYTICS_CONSUMER_GROUP). The projection's group is
 * per read-model version: the chart creates version 1's; a rebuild's next version creates its
 * own dead-letter topic (its user may, by prefix).
 */
export const CONSUMER_GROUPS = {
  projection: readModelVersion(1).consumerGroup,
  projectionPrefix: 'carelog-projection-v',
  notifications: 'carelog.notifications',
  analyticsExport: 'carelog-analytics-export',
  auditVerifyPrefix: 'carelog-audit-verify-',
} as const;

export interface ChartTopic {
  name: string;
  partitions: number;
  config: Record<string, string>;
}

export type AclOperation = 'Read' | 'Write' | 'Describe' | 'Create' | 'Delete';

/** One Strimzi `simple` authorization rule (KafkaUser spec.authorization.acls[]). */
export interface ChartAcl {
  resource: { type: 'topic' | 'group'; name: string; patternType: 'literal' | 'prefix' };
  operations: AclOperation[];
}

export interface ChartUser {
  /** The service or job whose principal it is (`User:<name>`). */
  service: string;
  name: string;
  acls: ChartAcl[];
}

const OPERATION_NAMES: Record<Operation, AclOperation> = {
  read: 'Read',
  write: 'Write',
  describe: 'Describe',
  create: 'Create',
  delete: 'Delete',
};

/** A grant of libs/kafka's service access as a Strimzi `simple` authorization rule. */
const chartAcl = (grant: Grant): ChartAcl => ({
  resource: {
    type: grant.resource,
    name: grant.name,
    patternType: grant.pattern === 'prefixed' ? 'prefix' : 'literal',
  },
  operations: grant.operations.map((operation) => OPERATION_NAMES[operation]),
});

/** Every topic the platform uses, with partitions and settings from the code. */
export function chartTopics(): ChartTopic[] {
  const specs = [
    ...platformTopics([CONSUMER_GROUPS.notifications, CONSUMER_GROUPS.analyticsExport]),
    ...[CONSUMER_GROUPS.projection].flatMap((group) => [
      recordTopicSpec(deadLetterTopic(group), 1),
      recordTopicSpec(redriveTopic(group), 1),
    ]),
    recordTopicSpec(`${CONSUMER_GROUPS.notifications}.webhooks.dlq`, 1),
  ];
  return specs.map((spec) => ({
    name: spec.topic,
    partitions: spec.numPartitions ?? 1,
    config: Object.fromEntries((spec.configEntries ?? []).map(({ name, value }) => [name, value])),
  }));
}

/**
 * One principal per service and job, allowed only what it does (deny by default): the same
 * grants `npm run kafka:acls` applies to a cluster (`serviceAccess()` in libs/kafka), so that
 * the chart and the brokers carelog tests against cannot differ.
 */
export function chartUsers(): ChartUser[] {
  return serviceAccess().map(({ service, user, grants }) => ({
    service,
    name: user,
    acls: grants.map(chartAcl),
  }));
}

/** The file's text, as `npm run deploy:generate` writes it. */
export function chartDataText(): string {
  return `${JSON.stringify({ generatedBy: 'npm run deploy:generate', topics: chartTopics(), users: chartUsers() }, null, 2)}\n`;
}
