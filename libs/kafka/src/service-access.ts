import { SOURCE_DOMAINS, type SourceDomain } from '@carelog/domain';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry,
  type Admin,
} from 'kafkajs';
import {
  analyticsCountsTopic,
  analyticsEntriesTopic,
  AUDIT_CHECKPOINTS_TOPIC,
  AUDIT_TOPIC,
  deadLetterTopic,
  ensureTopics,
  platformTopics,
  recordEntryTopic,
  recordEntryTopics,
  redriveTopic,
} from './topics';

/**
 * Who may do what on Kafka, as data (docs/architecture.md, "Production shape"): each service is its own
 * principal, and everything not granted here is refused by the broker's authorizer. Built
 * from the same topic and consumer-group definitions the services use, so the two cannot
 * drift; `npm run kafka:acls` applies it, `-- --print` shows it.
 */

/** The consumer groups the services read as (each may be renamed by its own setting). */
export const CONSUMER_GROUPS = {
  /** A prefix: each read-model version builds as `carelog-projection-v<N>`. */
  projection: 'carelog-projection',
  notifications: 'carelog.notifications',
  analyticsExport: 'carelog-analytics-export',
  /** A prefix: each `npm run audit:verify` reads as a group of its own. */
  auditVerify: 'carelog-audit-verify-',
} as const;

/** The services that publish source entries, and the one topic each writes. */
export const PRODUCER_DOMAINS: Readonly<Record<string, SourceDomain>> = {
  'gp-records': 'gp',
  'social-care': 'social-care',
  maternity: 'maternity',
  'urgent-care': 'urgent-care',
  'community-nursing': 'community-nursing',
  pharmacy: 'pharmacy',
};

/** The operator: creates topics, applies these ACLs, runs `npm run dlq`; the only super user. */
export const KAFKA_ADMIN_USER = 'carelog-admin';

/** The SCRAM user name (and principal `User:<name>`) of a service or job. */
export const kafkaUser = (service: string): string => `carelog-${service}`;

export type Operation = 'read' | 'write' | 'describe' | 'create' | 'delete';

export interface Grant {
  resource: 'topic' | 'group';
  name: string;
  /** `prefixed`: every resource whose name starts with `name`. */
  pattern: 'literal' | 'prefixed';
  operations: readonly Operation[];
  /** Why, in a few words: printed with the ACLs. */
  why: string;
}

export interface ServiceAccess {
  service: string;
  user: string;
  grants: Grant[];
}

const topic = (name: string, operations: Operation[], why: string): Grant => ({
  resource: 'topic',
  name,
  pattern: 'literal',
  operations,
  why,
});

/** Lists the platform's topics (names and partitions only) to see which already exist. */
const describeAll: Grant = {
  resource: 'topic',
  name: 'carelog.',
  pattern: 'prefixed',
  operations: ['describe'],
  why: 'see which platform topics exist (names and partitions, never content)',
};

const readRecordEntries = (): Grant[] =>
  recordEntryTopics().map((name) => topic(name, ['read', 'describe'], 'consume record entries'));

/** A checkpointed consumer: its group, its dead letters and their re-drive. */
const consumerGroup = (group: string): Grant[] => [
  {
    resource: 'group',
    name: group,
    pattern: 'literal',
    operations: ['read', 'describe'],
    why: 'its consumer group',
  },
  topic(deadLetterTopic(group), ['write', 'describe', 'create'], 'its dead letters'),
  topic(redriveTopic(group), ['read', 'describe', 'create'], 'dead letters re-driven to it'),
];

/** Every service's and job's access; a service not listed has none. */
export function serviceAccess(): ServiceAccess[] {
  const producers = Object.entries(PRODUCER_DOMAINS).map(([service, domain]) => ({
    service,
    user: kafkaUser(service),
    grants: [topic(recordEntryTopic(domain), ['write', 'describe'], 'publish its own entries')],
  }));
  const projectionVersions = `${CONSUMER_GROUPS.projection}-v`;
  return [
    ...producers,
    {
      service: 'record-api',
      user: kafkaUser('record-api'),
      grants: [
        // Contributions, claims and care-team changes go on the patient topic; a task's
        // acknowledgement and escalation go on the flagged entry's own topic, whichever it is.
        ...SOURCE_DOMAINS.map((domain) =>
          topic(
            recordEntryTopic(domain),
            ['write', 'describe'],
            "patient entries; task steps on the entry's topic",
          ),
        ),
        topic(AUDIT_TOPIC, ['write', 'describe'], 'publish every access (never read)'),
        topic(AUDIT_CHECKPOINTS_TOPIC, ['write', 'describe'], 'publish signed checkpoints'),
      ],
    },
    {
      service: 'projection',
      user: kafkaUser('projection'),
      grants: [
        describeAll,
        ...readRecordEntries(),
        // Every read-model version (a rebuild builds the next one as the projection).
        {
          resource: 'group',
          name: projectionVersions,
          pattern: 'prefixed',
          operations: ['read', 'describe'],
          why: "read-model versions' groups",
        },
        {
          resource: 'topic',
          name: projectionVersions,
          pattern: 'prefixed',
          operations: ['read', 'write', 'describe', 'create'],
          why: 'their dead letters and re-drives',
        },
      ],
    },
    {
      service: 'notifications',
      user: kafkaUser('notifications'),
      grants: [
        describeAll,
        ...readRecordEntries(),
        ...consumerGroup(CONSUMER_GROUPS.notifications),
        topic(
          `${CONSUMER_GROUPS.notifications}.webhooks.dlq`,
          ['write', 'describe', 'create'],
          'webhooks that could not be delivered',
        ),
      ],
    },
    {
      service: 'analytics-export',
      user: kafkaUser('analytics-export'),
      grants: [
        describeAll,
        ...readRecordEntries(),
        ...consumerGroup(CONSUMER_GROUPS.analyticsExport),
        topic(analyticsEntriesTopic(), ['write', 'describe'], 'the pseudonymised feed'),
        topic(analyticsCountsTopic(), ['write', 'describe'], "the commissioners' counts"),
      ],
    },
    {
      // The only reader of the audit topic (npm run audit:verify).
      service: 'audit-verify',
      user: kafkaUser('audit-verify'),
      grants: [
        topic(AUDIT_TOPIC, ['read', 'describe'], 'reconcile the audit trail'),
        topic(AUDIT_CHECKPOINTS_TOPIC, ['read', 'describe'], 'reconcile the checkpoints'),
        {
          resource: 'group',
          name: CONSUMER_GROUPS.auditVerify,
          pattern: 'prefixed',
          operations: ['read', 'describe', 'delete'],
          why: 'a group of its own per run',
        },
      ],
    },
  ];
}

const OPERATIONS: Record<Operation, AclOperationTypes> = {
  read: AclOperationTypes.READ,
  write: AclOperationTypes.WRITE,
  describe: AclOperationTypes.DESCRIBE,
  create: AclOperationTypes.CREATE,
  delete: AclOperationTypes.DELETE,
};

/** The grants as kafkajs ACL bindings (allow; Kafka denies everything else). */
export function aclEntries(access: readonly ServiceAccess[] = serviceAccess()): AclEntry[] {
  return access.flatMap(({ user, grants }) =>
    grants.flatMap((grant) =>
      grant.operations.map((operation) => ({
        resourceType: grant.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
        resourceName: grant.name,
        resourcePatternType:
          grant.pattern === 'prefixed'
            ? ResourcePatternTypes.PREFIXED
            : ResourcePatternTypes.LITERAL,
        principal: `User:${user}`,
        host: '*',
        operation: OPERATIONS[operation],
        permissionType: AclPermissionTypes.ALLOW,
      })),
    ),
  );
}

/**
 * Creates the platform's topics that are missing and grants every service its ACLs, as the
 * admin. Idempotent: an ACL already there is left as it is. Returns how many bindings it sent.
 */
export async function applyServiceAccess(admin: Admin): Promise<number> {
  await ensureTopics(
    admin,
    platformTopics([CONSUMER_GROUPS.notifications, CONSUMER_GROUPS.analyticsExport]),
  );
  const acl = aclEntries();
  await admin.createAcls({ acl });
  return acl.length;
}
