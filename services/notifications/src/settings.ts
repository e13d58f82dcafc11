import type { EntryTypeName } from '@carelog/domain';
import { CONSUMER_GROUPS } from '@carelog/kafka';
import {
  ALLOWED_DESTINATIONS_VARIABLE,
  parseAllowedDestinations,
  type AllowedDestination,
} from './webhooks/webhook-egress';

/**
 * Everything the notifications service can be told through its environment, read once at
 * start-up. Defaults are named constants so that tests, docs and code agree on them.
 */
export const DEFAULT_NOTIFY_ENTRY_TYPES: readonly EntryTypeName[] = [
  'CarePlanChanged',
  'HomeReadingsFlagged',
];
export const DEFAULT_CONSUMER_GROUP = CONSUMER_GROUPS.notifications;
export const DEFAULT_NOTIFICATIONS_SCHEMA = 'notifications';
/** Events recorded longer ago than this are not notified (a new consumer group reads from offset 0). */
export const DEFAULT_MAX_EVENT_AGE_MINUTES = 24 * 60;

/** A webhook delivery is tried this many times in all before it is dead-lettered. */
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 8;
/** The wait after the first failed attempt; it doubles after each further failure. */
export const DEFAULT_WEBHOOK_BASE_DELAY_MS = 2000;
/** No wait between attempts is longer than this. */
export const DEFAULT_WEBHOOK_MAX_DELAY_MS = 15 * 60_000;
/** A receiver that has not answered within this is a failed attempt. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5000;
/** How often the delivery worker looks for due deliveries when nothing wakes it sooner. */
export const DEFAULT_WEBHOOK_POLL_MS = 500;
/** Deliveries claimed per round, per instance. */
export const DEFAULT_WEBHOOK_BATCH = 20;
/** How often an open event stream looks for new notifications. */
export const DEFAULT_STREAM_POLL_MS = 500;

export interface NotificationSettings {
  consumerGroup: string;
  schema: string;
  notifyEntryTypes: ReadonlySet<string>;
  maxEventAgeMs: number;
  webhook: {
    maxAttempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    timeoutMs: number;
    pollMs: number;
    batch: number;
    /** Non-public destinations an operator allowed; none by default. */
    allowedDestinations: readonly AllowedDestination[];
  };
  streamPollMs: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive whole number`);
  return value;
}

/** The webhook dead-letter topic of a consumer group: `carelog.notifications.webhooks.dlq` by default. */
export const webhookDeadLetterTopic = (consumerGroup: string): string =>
  `${consumerGroup}.webhooks.dlq`;

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): NotificationSettings {
  const types = env['CARELOG_NOTIFY_ENTRY_TYPES'];
  return {
    consumerGroup: env['CARELOG_NOTIFICATIONS_GROUP'] ?? DEFAULT_CONSUMER_GROUP,
    schema: env['CARELOG_NOTIFICATIONS_SCHEMA'] ?? DEFAULT_NOTIFICATIONS_SCHEMA,
    notifyEntryTypes: new Set(
      (types === undefined ? DEFAULT_NOTIFY_ENTRY_TYPES : types.split(','))
        .map((type) => type.trim())
        .filter((type) => type.length > 0),
    ),
    maxEventAgeMs:
      positiveInteger(env, 'CARELOG_NOTIFY_MAX_AGE_MINUTES', DEFAULT_MAX_EVENT_AGE_MINUTES) *
      60_000,
    webhook: {
      maxAttempts: positiveInteger(
        env,
        'CARELOG_WEBHOOK_MAX_ATTEMPTS',
        DEFAULT_WEBHOOK_MAX_ATTEMPTS,
      ),
      baseDelayMs: positiveInteger(
        env,
        'CARELOG_WEBHOOK_BASE_DELAY_MS',
        DEFAULT_WEBHOOK_BASE_DELAY_MS,
      ),
      maxDelayMs: positiveInteger(
        env,
        'CARELOG_WEBHOOK_MAX_DELAY_MS',
        DEFAULT_WEBHOOK_MAX_DELAY_MS,
      ),
      timeoutMs: positiveInteger(env, 'CARELOG_WEBHOOK_TIMEOUT_MS', DEFAULT_WEBHOOK_TIMEOUT_MS),
      pollMs: positiveInteger(env, 'CARELOG_WEBHOOK_POLL_MS', DEFAULT_WEBHOOK_POLL_MS),
      batch: positiveInteger(env, 'CARELOG_WEBHOOK_BATCH', DEFAULT_WEBHOOK_BATCH),
      allowedDestinations: parseAllowedDestinations(env[ALLOWED_DESTINATIONS_VARIABLE]),
    },
    streamPollMs: positiveInteger(env, 'CARELOG_STREAM_POLL_MS', DEFAULT_STREAM_POLL_MS),
  };
}
