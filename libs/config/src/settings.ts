import { resolve } from 'node:path';
import {
  CLAIM_MAX_HOURS,
  DEFAULT_ESCALATE_AFTER_SECONDS,
  DEFAULT_MAX_ESCALATIONS,
  RESULT_RELEASE_POLICY,
  type EntryTypeName,
} from '@carelog/domain';
import {
  base64urlKey,
  httpUrl,
  jsonText,
  list,
  nonNegativeNumber,
  oneOf,
  onOff,
  port,
  positiveNumber,
  positiveWhole,
  text,
  wholeNumber,
  type SettingType,
} from './setting-types';

/**
 * Who reads a setting. The README's settings tables are grouped by the first one; a service
 * checks, at start-up, every setting of `platform` and of its own groups (SERVICE_GROUPS).
 */
export const SETTING_GROUPS = {
  platform: 'Every service',
  producers:
    'Source services (gp-records, social-care, maternity, urgent-care, community-nursing, pharmacy)',
  projection: 'Projection',
  'record-api': 'Record API',
  audit: 'Audit trail (record API and `npm run audit:verify`)',
  notifications: 'Notifications',
  'analytics-export': 'Analytics export',
  identity: 'Identity (token endpoint)',
  web: "The people's web app",
  local: 'Local platform, tests and tools (`npm start`, Jest, `npm run bench`, `test:faults`)',
} as const;
export type SettingGroup = keyof typeof SETTING_GROUPS;

export interface SettingDeclaration<T = unknown> {
  readonly type: SettingType<T>;
  /** One line: what it changes (README). */
  readonly meaning: string;
  readonly usedBy: readonly [SettingGroup, ...SettingGroup[]];
  /** Its value is never printed (refusals say what is wrong, not what was given). */
  readonly secret?: true;
}

const declare = <T>(
  type: SettingType<T>,
  meaning: string,
  usedBy: readonly [SettingGroup, ...SettingGroup[]],
  options: { secret?: true } = {},
): SettingDeclaration<T> => ({ type, meaning, usedBy, ...options });

/** The repository's `.local/` (libs/config/src → the root), as every library had it. */
export const DEFAULT_LOCAL_DIR = resolve(__dirname, '..', '..', '..', '.local');

const PORTS = {
  RECORD_API_PORT: [3100, 'record-api'],
  GP_RECORDS_PORT: [3101, 'producers'],
  SOCIAL_CARE_PORT: [3102, 'producers'],
  MATERNITY_PORT: [3103, 'producers'],
  URGENT_CARE_PORT: [3104, 'producers'],
  NOTIFICATIONS_PORT: [3105, 'notifications'],
  ANALYTICS_EXPORT_PORT: [3106, 'analytics-export'],
  COMMUNITY_NURSING_PORT: [3107, 'producers'],
  PHARMACY_PORT: [3108, 'producers'],
  IDENTITY_PORT: [3109, 'identity'],
  PROJECTION_PORT: [3110, 'projection'],
  WEB_PORT: [3000, 'web'],
} as const satisfies Record<string, readonly [number, SettingGroup]>;

const portSetting = <N extends keyof typeof PORTS>(name: N) =>
  declare(
    port(PORTS[name][0]),
    `HTTP port of ${name
      .replace(/_PORT$/, '')
      .toLowerCase()
      .replace(/_/g, '-')} (\`npm start\` adds \`CARELOG_PORT_OFFSET\`)`,
    [PORTS[name][1]],
  );

/**
 * Every setting carelog reads, declared once: its type and default, what it means, and who
 * reads it. Code reads them through `setting(name)`; the README's tables are generated from
 * this (`npm run docs:settings`).
 */
export const SETTINGS = {
  // Every service
  KAFKA_BROKERS: declare(
    list(['127.0.0.1:19092']),
    'the Kafka brokers (comma-separated); the tests and `npm start` start one when it is unset',
    ['platform', 'local'],
  ),
  DATABASE_URL: declare(
    text('postgres://carelog:carelog@127.0.0.1:15432/carelog'),
    "the Postgres to connect to, as the service's own role; the tests and `npm start` start one when it is unset",
    ['platform', 'local'],
  ),
  CARELOG_MIGRATION_DATABASE_URL: declare(
    text(undefined),
    'run migrations as this (the owner role, `npm run db:roles`) while the service connects as `DATABASE_URL`',
    ['platform'],
    { secret: true },
  ),
  CARELOG_DB_PASSWORD_: declare(
    text(undefined, 'the role\u2019s own name (local only)'),
    '`CARELOG_DB_PASSWORD_<ROLE>` (e.g. `CARELOG_DB_PASSWORD_CARELOG_RECORD_API`): a database role\u2019s password, for `npm run db:roles` and the local launcher',
    ['local'],
    { secret: true },
  ),
  HOST: declare(text('127.0.0.1'), 'the address a service listens on (the image sets `0.0.0.0`)', [
    'platform',
  ]),
  CARELOG_AUTH_MODE: declare(
    oneOf(['jwks', 'local'], 'jwks'),
    '`jwks`: trust the issuers in `CARELOG_ISSUERS_FILE`; `local`: accept `npm run token` tokens (`npm start` sets it)',
    ['platform', 'web', 'identity', 'analytics-export'],
  ),
  CARELOG_ISSUERS_FILE: declare(
    text(undefined, '(required in `jwks` mode)'),
    'the trusted issuers (NHS CIS2, NHS login, the platform token endpoint), see "Signing in"',
    ['platform', 'web'],
  ),
  CARELOG_ISSUERS: declare(jsonText(), 'the same JSON as `CARELOG_ISSUERS_FILE`, inline', [
    'platform',
    'web',
  ]),
  CARELOG_CIS2_ROLE_MAP_FILE: declare(
    text(undefined, 'the table in `libs/auth`'),
    "the ICS's own CIS2 job-role table",
    ['platform'],
  ),
  CARELOG_LOCAL_DIR: declare(
    text(DEFAULT_LOCAL_DIR, '`.local/` in the repository'),
    'where local state is kept (keys, the analytics key, audit checkpoints, the local servers)',
    ['platform', 'local'],
  ),
  CARELOG_LOCAL_KEY_FILE: declare(
    text(undefined, '`<CARELOG_LOCAL_DIR>/auth/local-issuer-keys.json`'),
    "the local issuers' signing keys (local mode)",
    ['platform'],
  ),
  CARELOG_LOG_LEVEL: declare(
    oneOf(['debug', 'info', 'warn', 'error'], 'info'),
    'the lowest level a service writes (see "Operators: logs")',
    ['platform'],
  ),
  CARELOG_OTLP_ENDPOINT: declare(
    httpUrl(undefined, '(off)'),
    'export traces over OTLP/HTTP to this collector (`…/v1/traces`)',
    ['platform'],
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: declare(
    httpUrl(undefined, '(off)'),
    'the same, by its OpenTelemetry name (`CARELOG_OTLP_ENDPOINT` wins)',
    ['platform'],
  ),
  CARELOG_SCHEMA_REGISTRY_URL: declare(
    httpUrl(undefined, '(none: single-object framing)'),
    "a Schema Registry's Confluent-compatible API: producers write its framing",
    ['platform'],
  ),
  CARELOG_TOPIC_PREFIX: declare(
    text('carelog'),
    'the prefix of record-entry and analytics topics; changed only to give a test or a benchmark its own',
    ['platform', 'local'],
  ),
  CARELOG_TOPIC_PARTITIONS: declare(
    positiveWhole(6),
    'partitions of the topics a process creates',
    ['platform', 'local'],
  ),
  CARELOG_READ_MODEL_SCHEMA: declare(
    text('read_model'),
    'the Postgres schema of the read model (a test gets its own)',
    ['platform'],
  ),
  CARELOG_PROJECTION_GROUP: declare(
    text('carelog-projection'),
    "the projection's consumer group prefix (each read-model version builds as `<it>-v<N>`)",
    ['platform'],
  ),
  CARELOG_KAFKA_SECURITY_PROTOCOL: declare(
    oneOf(['plaintext', 'ssl', 'sasl_ssl', 'sasl_plaintext'], 'plaintext'),
    'how to reach Kafka (`sasl_plaintext`: tests only)',
    ['platform'],
  ),
  CARELOG_KAFKA_CA_FILE: declare(
    text(undefined, "the system's"),
    'PEM CAs to trust for the brokers',
    ['platform'],
  ),
  CARELOG_KAFKA_SASL_MECHANISM: declare(
    oneOf(['scram-sha-512', 'scram-sha-256', 'oauthbearer'], 'scram-sha-512'),
    'the SASL mechanism',
    ['platform'],
  ),
  CARELOG_KAFKA_USERNAME: declare(
    text(undefined),
    "the service's SCRAM user (`carelog-<service>`)",
    ['platform'],
  ),
  CARELOG_KAFKA_PASSWORD_FILE: declare(text(undefined), "a file with the SCRAM user's password", [
    'platform',
  ]),
  CARELOG_KAFKA_PASSWORD: declare(
    text(undefined),
    'the password itself (the file wins)',
    ['platform'],
    { secret: true },
  ),
  CARELOG_KAFKA_OAUTH_TOKEN_URL: declare(
    httpUrl(undefined),
    'OAUTHBEARER: the client-credentials token endpoint (unit-tested only)',
    ['platform'],
  ),
  CARELOG_KAFKA_OAUTH_CLIENT_ID: declare(text(undefined), 'OAUTHBEARER: the client id', [
    'platform',
  ]),
  CARELOG_KAFKA_OAUTH_CLIENT_SECRET_FILE: declare(
    text(undefined),
    "OAUTHBEARER: a file with the client's secret",
    ['platform'],
  ),
  CARELOG_KAFKA_OAUTH_CLIENT_SECRET: declare(
    text(undefined),
    'OAUTHBEARER: the secret itself (the file wins)',
    ['platform'],
    { secret: true },
  ),
  CARELOG_KAFKA_OAUTH_SCOPE: declare(text(undefined), 'OAUTHBEARER: the scope to ask for', [
    'platform',
  ]),

  // Source services
  GP_RECORDS_PORT: portSetting('GP_RECORDS_PORT'),
  SOCIAL_CARE_PORT: portSetting('SOCIAL_CARE_PORT'),
  MATERNITY_PORT: portSetting('MATERNITY_PORT'),
  URGENT_CARE_PORT: portSetting('URGENT_CARE_PORT'),
  COMMUNITY_NURSING_PORT: portSetting('COMMUNITY_NURSING_PORT'),
  PHARMACY_PORT: portSetting('PHARMACY_PORT'),
  CARELOG_PRODUCE_LINGER_MS: declare(
    wholeNumber(2, 0, 100),
    'how long, in ms, the first entry to an idle publisher waits for others to share its produce request (acks=all); each entry is still answered only after its own acknowledgement',
    ['producers', 'record-api'],
  ),

  // Projection
  PROJECTION_PORT: portSetting('PROJECTION_PORT'),
  CARELOG_MATERNITY_DISCHARGE_GRACE_HOURS: declare(
    nonNegativeNumber(336),
    "how long a midwife's access lasts after a maternity discharge, in hours (two weeks)",
    ['projection'],
  ),

  // Record API
  RECORD_API_PORT: portSetting('RECORD_API_PORT'),
  CARELOG_BREAK_GLASS_MINUTES: declare(
    positiveNumber(240),
    'how long a break-glass lasts, in minutes',
    ['record-api'],
  ),
  CARELOG_BREAK_GLASS_REFUSALS_ALERT: declare(
    wholeNumber(3, 0),
    'alert the privacy officer at this many refusals of one user within a day (0: never)',
    ['record-api'],
  ),
  CARELOG_CLAIM_HOURS: declare(
    positiveNumber(24, CLAIM_MAX_HOURS),
    'how long a claimed relationship lasts, in hours',
    ['record-api'],
  ),
  CARELOG_PRIVACY_OFFICERS_FILE: declare(
    text(undefined, '`services/record-api/config/privacy-officers.json`'),
    "which organisations' staff each privacy officer organisation reviews",
    ['record-api'],
  ),
  CARELOG_TASK_ESCALATE_AFTER_SECONDS: declare(
    positiveNumber(DEFAULT_ESCALATE_AFTER_SECONDS),
    'escalate an unacknowledged task after this (a day), and again each time after',
    ['record-api'],
  ),
  CARELOG_TASK_MAX_ESCALATIONS: declare(
    wholeNumber(DEFAULT_MAX_ESCALATIONS, 0, 10),
    'escalations at most (0: never escalate)',
    ['record-api'],
  ),
  CARELOG_TASK_ESCALATION_ROLES: declare(
    text(undefined, '`practice-nurse:gp,care-worker:social-worker,health-visitor:midwife`'),
    'who a role escalates to (`from:to`, comma-separated; other roles escalate to the same role; always within the organisation)',
    ['record-api'],
  ),
  CARELOG_TASK_SWEEP_SECONDS: declare(
    positiveNumber(30),
    'how often the task escalator and the home-reading rules look',
    ['record-api'],
  ),
  CARELOG_HOME_READING_LOOKBACK_DAYS: declare(
    positiveNumber(7),
    'home readings recorded within this many days are evaluated',
    ['record-api'],
  ),
  CARELOG_RESULT_RELEASE_AFTER_SECONDS: declare(
    positiveNumber(RESULT_RELEASE_POLICY.releaseAfterSeconds),
    'an abnormal result is released to the patient this long after it was filed (seven days), or on review',
    ['record-api'],
  ),

  // Audit trail
  CARELOG_AUDIT_SCHEMA: declare(
    text('audit'),
    'the Postgres schema of the audit trail (a test or the verifier names another)',
    ['audit'],
  ),
  CARELOG_AUDIT_SIGNING_KEY_FILE: declare(
    text(undefined, '`<CARELOG_LOCAL_DIR>/audit/checkpoint-signing-key.pem`, created locally'),
    'the checkpoint signing key (a secret mounted into the record API only)',
    ['audit'],
  ),
  CARELOG_AUDIT_SIGNING_KEY: declare(
    text(undefined),
    'the signing key itself, PEM (wins over the file)',
    ['audit'],
    { secret: true },
  ),
  CARELOG_AUDIT_TRUSTED_KEYS_DIR: declare(
    text(undefined, '`trusted/` beside the signing key'),
    "earlier keys' public halves, kept so that their checkpoints still verify",
    ['audit'],
  ),
  CARELOG_AUDIT_TRUSTED_KEYS: declare(
    list(undefined),
    'the PEM files `audit:verify` trusts (comma-separated), instead of the key and the folder',
    ['audit'],
  ),
  CARELOG_AUDIT_CHECKPOINT_LOG: declare(
    text(undefined, '`<CARELOG_LOCAL_DIR>/audit/checkpoints.jsonl`'),
    'the checkpoint log, one signed checkpoint a line (`off`: none)',
    ['audit'],
  ),
  CARELOG_AUDIT_CHECKPOINT_SECONDS: declare(
    positiveNumber(60),
    "how often the record API signs the chain's head",
    ['audit'],
  ),
  CARELOG_AUDIT_VERIFY_SECONDS: declare(
    positiveNumber(3600),
    'how often the record API verifies the hash chain for its metrics',
    ['record-api'],
  ),
  CARELOG_AUDIT_TRAIL: declare(
    text(undefined, 'the audit schema'),
    '`audit:verify`: the trail to verify',
    ['audit'],
  ),
  CARELOG_AUDIT_TOPIC: declare(
    text('carelog.audit.access-events.v1'),
    '`audit:verify`: the audit topic',
    ['audit'],
  ),
  CARELOG_AUDIT_CHECKPOINTS_TOPIC: declare(
    text('carelog.audit.checkpoints.v1'),
    '`audit:verify`: the checkpoints topic',
    ['audit'],
  ),
  CARELOG_AUDIT_CHECKPOINT_MAX_AGE_MS: declare(
    nonNegativeNumber(undefined),
    '`audit:verify`: the oldest a checkpoint may be (default: two checkpoint intervals and a minute)',
    ['audit'],
  ),

  // Notifications
  NOTIFICATIONS_PORT: portSetting('NOTIFICATIONS_PORT'),
  CARELOG_NOTIFY_ENTRY_TYPES: declare(
    list(['CarePlanChanged', 'HomeReadingsFlagged'] satisfies EntryTypeName[]),
    'entry types that notify carers and care team (unknown names never match); flagged and escalated entries always notify',
    ['notifications'],
  ),
  CARELOG_NOTIFY_MAX_AGE_MINUTES: declare(
    positiveWhole(24 * 60),
    'older events (by `recordedAt`) notify no one',
    ['notifications'],
  ),
  CARELOG_WEBHOOK_MAX_ATTEMPTS: declare(
    positiveWhole(8),
    'attempts before a delivery is dead-lettered',
    ['notifications'],
  ),
  CARELOG_WEBHOOK_BASE_DELAY_MS: declare(
    positiveWhole(2000),
    'wait after the first failure; doubles after each',
    ['notifications'],
  ),
  CARELOG_WEBHOOK_MAX_DELAY_MS: declare(
    positiveWhole(15 * 60_000),
    'longest wait between attempts',
    ['notifications'],
  ),
  CARELOG_WEBHOOK_TIMEOUT_MS: declare(
    positiveWhole(5000),
    "request time-out; a claimed delivery's lease is this plus 5 s",
    ['notifications'],
  ),
  CARELOG_WEBHOOK_POLL_MS: declare(
    positiveWhole(30_000),
    'the longest the worker goes without looking for due deliveries (stored notifications wake it; it sleeps until the next retry falls due)',
    ['notifications'],
  ),
  CARELOG_WEBHOOK_BATCH: declare(positiveWhole(20), 'deliveries claimed per round', [
    'notifications',
  ]),
  CARELOG_STREAM_POLL_MS: declare(
    positiveWhole(10_000),
    "how often an open stream looks for new notifications when nothing wakes it (stored notifications wake every instance's streams and worker at once, by Postgres `NOTIFY`)",
    ['notifications'],
  ),
  CARELOG_WEBHOOK_ALLOWED_DESTINATIONS: declare(
    text(undefined, '(none)'),
    'non-public destinations webhooks may reach, comma-separated: an address or CIDR range, optional port (`127.0.0.1:3101`, `10.0.0.0/8`, `[::1]:8080`, `fd00::/8`); only plain spellings; a bad entry stops start-up',
    ['notifications'],
  ),
  CARELOG_NOTIFICATIONS_GROUP: declare(
    text('carelog.notifications'),
    'consumer group (and dead-letter topic names)',
    ['notifications'],
  ),
  CARELOG_NOTIFICATIONS_SCHEMA: declare(text('notifications'), 'Postgres schema', [
    'notifications',
  ]),

  // Analytics export
  ANALYTICS_EXPORT_PORT: portSetting('ANALYTICS_EXPORT_PORT'),
  CARELOG_ANALYTICS_PSEUDONYM_KEY: declare(
    text(undefined, '(required outside local mode)'),
    'the key of the patient pseudonym (stable for one key, unlinkable across keys); local mode makes one in `.local/`',
    ['analytics-export'],
    { secret: true },
  ),
  CARELOG_ANALYTICS_DATE_PRECISION: declare(
    oneOf(['day', 'week', 'month'], 'month'),
    'how finely the feed gives dates',
    ['analytics-export'],
  ),
  CARELOG_ANALYTICS_PUBLISH_MARGIN_MS: declare(
    wholeNumber(30_000, 0),
    "the longest a producer may take from stamping `recordedAt` to the broker's acknowledgement, plus clock skew",
    ['analytics-export'],
  ),
  CARELOG_ANALYTICS_CONSUMER_GROUP: declare(text('carelog-analytics-export'), 'consumer group', [
    'analytics-export',
  ]),
  CARELOG_ANALYTICS_SCHEMA: declare(text('analytics_export'), 'Postgres schema', [
    'analytics-export',
  ]),

  // Identity
  IDENTITY_PORT: portSetting('IDENTITY_PORT'),
  CARELOG_SOURCE_SYSTEMS_FILE: declare(
    text(undefined, 'none connected'),
    'the connected source systems',
    ['identity'],
  ),
  CARELOG_TOKEN_SIGNING_KEYS_FILE: declare(
    text(undefined, '(required in `jwks` mode)'),
    '`{ "keys": [private JWK, ...] }` with `kid` and `alg`: the first signs, all are published (rotate by prepending)',
    ['identity'],
  ),
  CARELOG_IDENTITY_URL: declare(
    httpUrl(undefined, '`http://127.0.0.1:<IDENTITY_PORT>`'),
    "the identity service's public base URL: assertions' `aud` is `<it>/oauth2/token`",
    ['identity'],
  ),
  CARELOG_TOKEN_ISSUER: declare(
    text(undefined, '`CARELOG_IDENTITY_URL`'),
    'the `iss` of issued tokens',
    ['identity'],
  ),
  CARELOG_TOKEN_AUDIENCE: declare(text('carelog'), 'the `aud` of issued tokens', ['identity']),
  CARELOG_TOKEN_LIFETIME_SECONDS: declare(wholeNumber(300, 1, 3600), 'lifetime of issued tokens', [
    'identity',
  ]),
  CARELOG_IDENTITY_SCHEMA: declare(
    text('identity'),
    'Postgres schema of the used-assertion store',
    ['identity'],
  ),

  // Web
  WEB_PORT: portSetting('WEB_PORT'),
  CARELOG_WEB_RECORD_API_URL: declare(
    httpUrl(undefined, 'the local port plus `CARELOG_PORT_OFFSET`'),
    'where the record API is',
    ['web'],
  ),
  CARELOG_WEB_GP_RECORDS_URL: declare(
    httpUrl(undefined, 'the local port plus `CARELOG_PORT_OFFSET`'),
    'where the GP records service is',
    ['web'],
  ),
  CARELOG_WEB_SOCIAL_CARE_URL: declare(
    httpUrl(undefined, 'the local port plus `CARELOG_PORT_OFFSET`'),
    'where the social care service is',
    ['web'],
  ),
  CARELOG_WEB_NOTIFICATIONS_URL: declare(
    httpUrl(undefined, 'the local port plus `CARELOG_PORT_OFFSET`'),
    'where the notifications service is',
    ['web'],
  ),
  CARELOG_WEB_SESSION_KEY: declare(
    base64urlKey(32, '(required outside local mode; local mode makes one per process)'),
    'the key that encrypts the session cookie',
    ['web'],
    { secret: true },
  ),
  CARELOG_WEB_SESSION_MINUTES: declare(positiveNumber(60), 'how long a session lasts', ['web']),
  CARELOG_WEB_SECURE_COOKIE: declare(
    onOff(undefined, 'on, except in local mode'),
    "`off` drops the cookie's `Secure` flag",
    ['web'],
  ),
  CARELOG_WEB_BASE_URL: declare(
    httpUrl(undefined),
    "the web app's public address; `…/sign-in/callback` is the redirect URI",
    ['web'],
  ),
  CARELOG_WEB_OIDC_KEY_FILE: declare(
    text(undefined),
    "the web app's private JWK (with `kid`) for `private_key_jwt`",
    ['web'],
  ),

  // Local platform, tests and tools (read where the lib cannot be imported; declared here)
  CARELOG_KAFKA_PORT: declare(port(19092), 'the local Kafka port (SASL listeners at +2..+4)', [
    'local',
  ]),
  CARELOG_POSTGRES_PORT: declare(port(15432), 'the local Postgres port', ['local']),
  CARELOG_PORT_OFFSET: declare(
    wholeNumber(0, 0, 20_000),
    'added to every service port: with its own Kafka and Postgres ports and `CARELOG_LOCAL_DIR`, a second copy runs beside the first',
    ['local', 'web'],
  ),
  CARELOG_LOCAL_DB_ROLES: declare(
    onOff(true),
    '`off`: local services keep the superuser instead of their own roles (debugging only)',
    ['local'],
  ),
  CARELOG_SERVICES_FROM: declare(
    oneOf(['source', 'dist'], 'source'),
    'what the local launcher runs (the test set-up builds and chooses `dist`)',
    ['local'],
  ),
  CARELOG_CACHE_DIR: declare(
    text(undefined, '`.cache/` in the repository'),
    'where `npm test` keeps the downloaded Kafka and Postgres',
    ['local'],
  ),
  CARELOG_SERVICE: declare(
    text(undefined),
    'the image: which service or tool to run (`tools/carelog.ts`)',
    ['local'],
  ),
  CARELOG_IMAGE: declare(text('carelog:local'), 'the compose file: which image to run', ['local']),
  CARELOG_CHROMIUM: declare(text('/usr/bin/chromium'), 'the browser the web app tests drive', [
    'local',
  ]),
  CARELOG_FAULTS_ENTRIES: declare(positiveWhole(100_000), '`npm run test:faults`: R1 entries', [
    'local',
  ]),
  CARELOG_FAULTS_SCENARIOS: declare(
    wholeNumber(undefined, 0),
    '`npm run test:faults`: `0` runs the ACL refusals alone',
    ['local'],
  ),
} as const satisfies Record<string, SettingDeclaration>;

export type SettingName = keyof typeof SETTINGS;
export type SettingValue<N extends SettingName> =
  (typeof SETTINGS)[N] extends SettingDeclaration<infer T> ? T : never;

/** Names that are a prefix: `CARELOG_DB_PASSWORD_<ROLE>`. */
export const SETTING_PREFIXES: readonly SettingName[] = ['CARELOG_DB_PASSWORD_'];
