import { SOURCE_DOMAINS, type SourceDomain } from '@carelog/domain';
import {
  analyticsCountsTopic,
  analyticsEntriesTopic,
  AUDIT_CHECKPOINTS_TOPIC,
  AUDIT_TOPIC,
  deadLetterTopic,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
  recordTopicSpec,
  redriveTopic,
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

const PRODUCERS: Readonly<Record<string, SourceDomain>> = {
  'gp-records': 'gp',
  'social-care': 'social-care',
  maternity: 'maternity',
  'urgent-care': 'urgent-care',
  'community-nursing': 'community-nursing',
  pharmacy: 'pharmacy',
};

const topicAcl = (
  name: string,
  operations: AclOperation[],
  patternType: 'literal' | 'prefix' = 'literal',
): ChartAcl => ({ resource: { type: 'topic', name, patternType }, operations });
const groupAcl = (name: string, patternType: 'literal' | 'prefix' = 'literal'): ChartAcl => ({
  resource: { type: 'group', name, patternType },
  operations: ['Read', 'Describe'],
});
const readEntries = (): ChartAcl[] =>
  recordEntryTopics().map((name) => topicAcl(name, ['Read', 'Describe']));
/** Lists which platform topics exist (services check their topics at start-up). */
const describePlatform = topicAcl('carelog.', ['Describe'], 'prefix');
const consumerGroupAcls = (group: string): ChartAcl[] => [
  groupAcl(group),
  topicAcl(deadLetterTopic(group), ['Write', 'Describe']),
  topicAcl(redriveTopic(group), ['Read', 'Describe']),
];

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
 * One principal per service and job, allowed only what it does (deny by default). Written
 * from the topic and consumer-group definitions above; the `kafsec` work on #18 keeps the
 * same grants as data in libs/kafka, and this should read them from there once it lands.
 */
export function chartUsers(): ChartUser[] {
  const user = (service: string, acls: ChartAcl[]): ChartUser => ({
    service,
    name: `carelog-${service}`,
    acls,
  });
  return [
    ...Object.entries(PRODUCERS).map(([service, domain]) =>
      user(service, [topicAcl(recordEntryTopic(domain), ['Write', 'Describe'])]),
    ),
    user('record-api', [
      // Contributions, consents, claims and care-team changes; task steps on the entry's topic.
      ...SOURCE_DOMAINS.map((domain) => topicAcl(recordEntryTopic(domain), ['Write', 'Describe'])),
      topicAcl(AUDIT_TOPIC, ['Write', 'Describe']),
      topicAcl(AUDIT_CHECKPOINTS_TOPIC, ['Write', 'Describe']),
    ]),
    user('projection', [
      describePlatform,
      ...readEntries(),
      groupAcl(CONSUMER_GROUPS.projectionPrefix, 'prefix'),
      topicAcl(CONSUMER_GROUPS.projectionPrefix, ['Read', 'Write', 'Describe', 'Create'], 'prefix'),
    ]),
    user('rebuild', [
      describePlatform,
      ...readEntries(),
      groupAcl(CONSUMER_GROUPS.projectionPrefix, 'prefix'),
      topicAcl(CONSUMER_GROUPS.projectionPrefix, ['Write', 'Describe', 'Create'], 'prefix'),
    ]),
    user('notifications', [
      describePlatform,
      ...readEntries(),
      ...consumerGroupAcls(CONSUMER_GROUPS.notifications),
      topicAcl(`${CONSUMER_GROUPS.notifications}.webhooks.dlq`, ['Write', 'Describe']),
    ]),
    user('analytics-export', [
      describePlatform,
      ...readEntries(),
      ...consumerGroupAcls(CONSUMER_GROUPS.analyticsExport),
      topicAcl(analyticsEntriesTopic(), ['Write', 'Describe']),
      topicAcl(analyticsCountsTopic(), ['Write', 'Describe']),
    ]),
    // The only reader of the audit topic.
    user('audit-verify', [
      topicAcl(AUDIT_TOPIC, ['Read', 'Describe']),
      topicAcl(AUDIT_CHECKPOINTS_TOPIC, ['Read', 'Describe']),
      {
        resource: { type: 'group', name: CONSUMER_GROUPS.auditVerifyPrefix, patternType: 'prefix' },
        operations: ['Read', 'Describe', 'Delete'],
      },
    ]),
  ];
}

/** The file's text, as `npm run deploy:generate` writes it. */
export function chartDataText(): string {
  return `${JSON.stringify({ generatedBy: 'npm run deploy:generate', topics: chartTopics(), users: chartUsers() }, null, 2)}\n`;
}
