import { Logger } from '@nestjs/common';
import { ProducerConnection } from '@carelog/kafka';
import { metricsRegistry, PollingLoop } from '@carelog/nest-platform';
import type { Kafka, Producer } from 'kafkajs';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { PatientStateReader } from '../recipients/patient-state';
import type { NotificationMessage } from '../stream/notification-feed';
import {
  mayStillBeTold,
  type NotificationReason,
  type PatientState,
  type StoredEntryFacts,
} from '../recipients/recipients';
import { webhookDeadLetterTopic, type NotificationSettings } from '../settings';
import { DESTINATION_NOT_ALLOWED, DestinationRefused, WebhookEgress } from './webhook-egress';
import { retryDelayMs, signatureHeader } from './webhook-signature';

const outcomes = new Counter({
  name: 'carelog_webhook_deliveries_total',
  help: 'Webhook deliveries by outcome: delivered, retried (failed, will be tried again), dead-lettered (attempts used up, or destination not allowed), withdrawn (access ended before delivery)',
  labelNames: ['outcome'],
  registers: [metricsRegistry],
});
const failedRounds = new Counter({
  name: 'carelog_webhook_rounds_failed_total',
  help: 'Delivery rounds that failed on our side (database); their claims were handed back unused',
  registers: [metricsRegistry],
});
// Every outcome is exported from the start, at zero, so dashboards and alerts see the series.
for (const outcome of ['delivered', 'retried', 'dead-lettered', 'withdrawn'])
  outcomes.inc({ outcome }, 0);

/** The JSON body a receiver gets: the notification as the stream sends it, never record content. */
export type WebhookBody = NotificationMessage;

interface ClaimedDelivery {
  id: string;
  attempts: number;
  subscription_id: string;
  url: string;
  secret: string;
  user_id: string;
  role: string;
  organisation: string;
  notification_id: string;
  event_id: string;
  nhs_number: string;
  entry_type: string;
  occurred_at: Date;
  reason: NotificationReason;
  link: string;
  entry_facts: StoredEntryFacts;
}

/** How an attempt failed: a refused destination is never tried again. */
interface AttemptFailure {
  reason: string;
  refused: boolean;
}

/** After a round failed on our side, the next is tried this soon (or at the poll interval). */
const FAILED_ROUND_RETRY_MS = 1000;

const retryRoundMs = ({ pollMs }: { pollMs: number }): number =>
  Math.min(pollMs, FAILED_ROUND_RETRY_MS);

/**
 * How long after a round the next starts: at once after a full round (more may be due), soon
 * after a failed one, else when the next pending delivery falls due, and at most `pollMs`.
 */
export function nextRoundDelayMs(
  claimed: number | undefined,
  nextDueInMs: number | undefined,
  webhook: { batch: number; pollMs: number },
): number {
  if (claimed === undefined) return retryRoundMs(webhook);
  if (claimed >= webhook.batch) return 0;
  if (nextDueInMs === undefined) return webhook.pollMs;
  return Math.min(Math.max(0, Math.ceil(nextDueInMs)), webhook.pollMs);
}

/** Extra time beyond the request time-out before a claimed delivery counts as abandoned. */
const LEASE_MARGIN_MS = 5000;

/**
 * Delivers pending webhooks. A round claims due deliveries with FOR UPDATE SKIP LOCKED and
 * leases them (moves their next attempt past the request time-out) in one statement, so no
 * transaction stays open during HTTP calls and several instances never send the same delivery
 * at once. A process that dies mid-delivery leaves its lease to expire: the delivery is tried
 * again, which is why receivers must dedupe by `carelog-delivery-id` (at-least-once).
 */
export class WebhookWorker {
  private readonly logger = new Logger('WebhookWorker');
  private readonly producer: Producer;
  private readonly connection: ProducerConnection;
  /** How long until the next pending delivery falls due, as of the end of the last round. */
  private nextDueInMs: number | undefined;
  /**
   * Straight on while rounds come back full or a wake came in (the consumer wakes it when it
   * stores notifications), else when the next pending delivery falls due (a retry, an expired
   * lease), looking at least every poll interval.
   */
  private readonly rounds = new PollingLoop<number>({
    name: 'delivery round',
    run: () => this.exec(),
    intervalMs: (claimed) => nextRoundDelayMs(claimed, this.nextDueInMs, this.settings.webhook),
    firstRunMs: 0,
    onError: () => failedRounds.inc(),
    logger: this.logger,
  });

  constructor(
    kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly reader: PatientStateReader,
    private readonly settings: NotificationSettings,
    private readonly egress = new WebhookEgress(settings.webhook.allowedDestinations),
  ) {
    const retry = { retries: 4, initialRetryTime: 200, maxRetryTime: 1600 };
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry });
    this.connection = new ProducerConnection(
      kafka,
      this.producer,
      () => [webhookDeadLetterTopic(settings.consumerGroup)],
      retry,
    );
  }

  /** Starts polling for due deliveries. */
  init(): void {
    this.rounds.start();
  }

  /** Asks for a round now (new notifications were stored). */
  wake(): void {
    this.rounds.wake();
  }

  /** Finishes the round in flight, then stops. */
  async stop(): Promise<void> {
    await this.rounds.stop();
    await this.producer.disconnect();
  }

  /** One round: claim due deliveries, send them, record each outcome. Returns how many were claimed. */
  async exec(): Promise<number> {
    const { timeoutMs, batch } = this.settings.webhook;
    const claimed = await this.dataSource.query<ClaimedDelivery[]>(
      `WITH due AS (
         SELECT id FROM webhook_delivery
         WHERE status = 'pending' AND next_attempt_at <= now()
         ORDER BY next_attempt_at
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_delivery d
         SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
         FROM due WHERE d.id = due.id
         RETURNING d.id, d.attempts, d.notification_id, d.subscription_id
       )
       SELECT c.id, c.attempts, c.subscription_id, s.url, s.secret, s.user_id, s.role, s.organisation,
              n.id AS notification_id, n.event_id, n.nhs_number, n.entry_type, n.occurred_at, n.reason, n.link,
              n.entry_facts
       FROM claimed c
       JOIN notification n ON n.id = c.notification_id
       JOIN webhook_subscription s ON s.id = c.subscription_id`,
      [batch, (timeoutMs + LEASE_MARGIN_MS) / 1000],
    );
    const states = new Map<string, PatientState>();
    try {
      for (const nhsNumber of new Set(claimed.map((delivery) => delivery.nhs_number)))
        states.set(nhsNumber, await this.reader.stateOf(nhsNumber));
    } catch (error) {
      // Our own database trouble must not use up a receiver's attempts: hand the claims back.
      await this.dataSource
        .query(
          `UPDATE webhook_delivery SET attempts = attempts - 1, next_attempt_at = now() + make_interval(secs => $2)
           WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
          [claimed.map((delivery) => delivery.id), retryRoundMs(this.settings.webhook) / 1000],
        )
        .catch(() => undefined);
      throw error;
    }
    const now = new Date();
    const results = await Promise.allSettled(
      claimed.map((delivery) => {
        const state = states.get(delivery.nhs_number);
        return state && this.stillAllowed(delivery, state, now)
          ? this.deliver(delivery)
          : this.withdraw(delivery);
      }),
    );
    const failed = results.filter((result) => result.status === 'rejected').length;
    // Their outcome was not recorded: the lease expires and they are tried again.
    if (failed > 0)
      this.logger.warn(`${failed} delivery outcome(s) not recorded; they will be retried`);
    this.nextDueInMs = await this.nextDueIn();
    return claimed.length;
  }

  /** Milliseconds until the next pending delivery falls due; none pending: undefined. */
  private async nextDueIn(): Promise<number | undefined> {
    try {
      const [next] = await this.dataSource.query<Array<{ in_ms: string | null }>>(
        `SELECT EXTRACT(EPOCH FROM min(next_attempt_at) - clock_timestamp()) * 1000 AS in_ms
         FROM webhook_delivery WHERE status = 'pending'`,
      );
      return next?.in_ms === null || next?.in_ms === undefined ? undefined : Number(next.in_ms);
    } catch {
      // Not known: look again soon rather than wait out the poll interval.
      return FAILED_ROUND_RETRY_MS;
    }
  }

  /** Access is decided again before every attempt: a retry hours later must not tell someone revoked since. */
  private stillAllowed(delivery: ClaimedDelivery, state: PatientState, now: Date): boolean {
    return mayStillBeTold(
      { userId: delivery.user_id, role: delivery.role, organisation: delivery.organisation },
      {
        nhsNumber: delivery.nhs_number,
        eventId: delivery.event_id,
        entryType: delivery.entry_type,
        occurredAt: new Date(delivery.occurred_at),
        reason: delivery.reason,
        facts: delivery.entry_facts,
      },
      state,
      now,
    );
  }

  private async withdraw(delivery: ClaimedDelivery): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_delivery SET status = 'withdrawn', last_error = 'access withdrawn before delivery', updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [delivery.id],
    );
    outcomes.inc({ outcome: 'withdrawn' });
  }

  private bodyOf(delivery: ClaimedDelivery): WebhookBody {
    return {
      id: delivery.notification_id,
      nhsNumber: delivery.nhs_number,
      eventId: delivery.event_id,
      entryType: delivery.entry_type,
      occurredAt: new Date(delivery.occurred_at).toISOString(),
      reason: delivery.reason,
      link: delivery.link,
    };
  }

  /** Why an attempt failed, in words that never quote the receiver's answer. */
  private async attempt(
    delivery: ClaimedDelivery,
    body: string,
  ): Promise<AttemptFailure | undefined> {
    const { timeoutMs } = this.settings.webhook;
    try {
      const status = await this.egress.post(
        delivery.url,
        body,
        {
          'Content-Type': 'application/json',
          'carelog-delivery-id': delivery.id,
          'carelog-signature': signatureHeader(delivery.secret, body, new Date()),
        },
        timeoutMs,
      );
      return status >= 200 && status < 300
        ? undefined
        : { reason: `receiver answered HTTP ${status}`, refused: false };
    } catch (error) {
      if (error instanceof DestinationRefused)
        // A name that does not resolve may be a passing DNS fault: tried again like any failure.
        return error.kind === 'not-allowed'
          ? { reason: `destination not allowed: ${error.reason}`, refused: true }
          : { reason: `request failed (${error.reason})`, refused: false };
      const name = (error as Error).name;
      return {
        reason:
          name === 'TimeoutError'
            ? `receiver did not answer within ${timeoutMs} ms`
            : `request failed (${name})`,
        refused: false,
      };
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { maxAttempts } = this.settings.webhook;
    const body = JSON.stringify(this.bodyOf(delivery));
    // Past the limit already: an earlier process failed the last attempt but died before
    // dead-lettering it.
    const failure =
      delivery.attempts > maxAttempts
        ? { reason: 'attempt limit reached', refused: false }
        : await this.attempt(delivery, body);
    if (failure === undefined) {
      await this.dataSource.query(
        `UPDATE webhook_delivery SET status = 'delivered', delivered_at = now(), last_error = NULL, updated_at = now()
         WHERE id = $1 AND status = 'pending'`,
        [delivery.id],
      );
      outcomes.inc({ outcome: 'delivered' });
      return;
    }
    // A refused destination is dead-lettered at once: no retry could ever be sent.
    if (failure.refused || delivery.attempts >= maxAttempts) {
      await this.deadLetter(
        delivery,
        body,
        failure.reason,
        failure.refused ? DESTINATION_NOT_ALLOWED : 'webhook-attempts-exhausted',
      );
      return;
    }
    const delayMs = retryDelayMs(delivery.attempts, this.settings.webhook);
    await this.dataSource.query(
      `UPDATE webhook_delivery SET next_attempt_at = now() + make_interval(secs => $3), last_error = $4, updated_at = now()
       WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [delivery.id, delivery.attempts, delayMs / 1000, failure.reason],
    );
    outcomes.inc({ outcome: 'retried' });
  }

  /** Publishes the delivery with its reason (acks=all), then marks it dead; a crash between repeats the publish. */
  private async deadLetter(
    delivery: ClaimedDelivery,
    body: string,
    reason: string,
    code: string,
  ): Promise<void> {
    await this.connection.ensure();
    await this.producer.send({
      topic: webhookDeadLetterTopic(this.settings.consumerGroup),
      acks: -1,
      messages: [
        {
          key: delivery.id,
          value: JSON.stringify({
            deliveryId: delivery.id,
            subscriptionId: delivery.subscription_id,
            attempts: Math.min(delivery.attempts, this.settings.webhook.maxAttempts),
            reason,
            notification: JSON.parse(body) as WebhookBody,
          }),
          headers: {
            'carelog-dlq-code': code,
            'carelog-dlq-reason': reason,
            'carelog-delivery-id': delivery.id,
          },
        },
      ],
    });
    await this.dataSource.query(
      `UPDATE webhook_delivery SET status = 'dead', last_error = $2, updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [delivery.id, reason],
    );
    outcomes.inc({ outcome: 'dead-lettered' });
    this.logger.warn(
      `delivery ${delivery.id} of subscription ${delivery.subscription_id} dead-lettered: ${reason}`,
    );
  }
}
