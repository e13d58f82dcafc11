import { setting, type Environment } from '@carelog/config';
import { parseAllowedDestinations, type AllowedDestination } from './webhooks/webhook-egress';

/**
 * Everything the notifications service can be told through its environment, read once at
 * start-up. The defaults are declared in libs/config; these names keep them at hand for tests.
 */
export const DEFAULT_NOTIFY_ENTRY_TYPES = setting('CARELOG_NOTIFY_ENTRY_TYPES', {});
export const DEFAULT_CONSUMER_GROUP = setting('CARELOG_NOTIFICATIONS_GROUP', {});
export const DEFAULT_NOTIFICATIONS_SCHEMA = setting('CARELOG_NOTIFICATIONS_SCHEMA', {});
/** Events recorded longer ago than this are not notified (a new consumer group reads from offset 0). */
export const DEFAULT_MAX_EVENT_AGE_MINUTES = setting('CARELOG_NOTIFY_MAX_AGE_MINUTES', {});

/** A webhook delivery is tried this many times in all before it is dead-lettered. */
export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = setting('CARELOG_WEBHOOK_MAX_ATTEMPTS', {});
/** The wait after the first failed attempt; it doubles after each further failure. */
export const DEFAULT_WEBHOOK_BASE_DELAY_MS = setting('CARELOG_WEBHOOK_BASE_DELAY_MS', {});
/** No wait between attempts is longer than this. */
export const DEFAULT_WEBHOOK_MAX_DELAY_MS = setting('CARELOG_WEBHOOK_MAX_DELAY_MS', {});
/** A receiver that has not answered within this is a failed attempt. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = setting('CARELOG_WEBHOOK_TIMEOUT_MS', {});
/**
 * The longest the delivery worker goes without looking for due deliveries: stored
 * notifications wake it and a retry's due time schedules it, so this is only a fallback.
 */
export const DEFAULT_WEBHOOK_POLL_MS = setting('CARELOG_WEBHOOK_POLL_MS', {});
/** Deliveries claimed per round, per instance. */
export const DEFAULT_WEBHOOK_BATCH = setting('CARELOG_WEBHOOK_BATCH', {});
/**
 * How often an open event stream looks for new notifications when nothing wakes it: stored
 * notifications (from any instance, by Postgres NOTIFY) wake it at once.
 */
export const DEFAULT_STREAM_POLL_MS = setting('CARELOG_STREAM_POLL_MS', {});

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

/** The webhook dead-letter topic of a consumer group: `carelog.notifications.webhooks.dlq` by default. */
export const webhookDeadLetterTopic = (consumerGroup: string): string =>
  `${consumerGroup}.webhooks.dlq`;

export function settingsFromEnv(env?: Environment): NotificationSettings {
  return {
    consumerGroup: setting('CARELOG_NOTIFICATIONS_GROUP', env),
    schema: setting('CARELOG_NOTIFICATIONS_SCHEMA', env),
    notifyEntryTypes: new Set(setting('CARELOG_NOTIFY_ENTRY_TYPES', env)),
    maxEventAgeMs: setting('CARELOG_NOTIFY_MAX_AGE_MINUTES', env) * 60_000,
    webhook: {
      maxAttempts: setting('CARELOG_WEBHOOK_MAX_ATTEMPTS', env),
      baseDelayMs: setting('CARELOG_WEBHOOK_BASE_DELAY_MS', env),
      maxDelayMs: setting('CARELOG_WEBHOOK_MAX_DELAY_MS', env),
      timeoutMs: setting('CARELOG_WEBHOOK_TIMEOUT_MS', env),
      pollMs: setting('CARELOG_WEBHOOK_POLL_MS', env),
      batch: setting('CARELOG_WEBHOOK_BATCH', env),
      allowedDestinations: parseAllowedDestinations(
        setting('CARELOG_WEBHOOK_ALLOWED_DESTINATIONS', env),
      ),
    },
    streamPollMs: setting('CARELOG_STREAM_POLL_MS', env),
  };
}
