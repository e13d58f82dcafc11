import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ALERT_KINDS, AuditTrail, type AlertKind } from '@carelog/audit';
import { setting } from '@carelog/config';
import { failureName, metricsRegistry, PollingLoop } from '@carelog/nest-platform';
import { Counter, Gauge } from 'prom-client';
import {
  failureLabels,
  NO_CODE,
  VERIFICATION_RESULTS,
  verificationResult,
  type VerificationResult,
} from './oversight-labels';

/** Break-glass requests by outcome (`granted`, `refused`, `failed`) and refusal code. */
export const breakGlassRequests = new Counter({
  name: 'carelog_break_glass_requests_total',
  help: 'Break-glass requests by outcome (granted, refused, failed) and refusal code',
  labelNames: ['outcome', 'code'],
  registers: [metricsRegistry],
});

/** Relationship claims by outcome (`claimed`, `replayed`, `refused`, `failed`) and code. */
export const relationshipClaims = new Counter({
  name: 'carelog_relationship_claims_total',
  help: 'Relationship claims by outcome (claimed, replayed, refused, failed) and refusal code',
  labelNames: ['outcome', 'code'],
  registers: [metricsRegistry],
});

/**
 * Counts one request: `success` names the outcome of an answer; a throw is counted by
 * `failureLabels` and thrown on.
 */
export async function countOutcome<T>(
  counter: Counter<'outcome' | 'code'>,
  codes: readonly string[],
  work: () => Promise<{ outcome: string; answer: T }>,
): Promise<T> {
  try {
    const { outcome, answer } = await work();
    counter.inc({ outcome, code: NO_CODE });
    return answer;
  } catch (error) {
    counter.inc(failureLabels(error, codes));
    throw error;
  }
}

const verifications = new Counter({
  name: 'carelog_audit_verifications_total',
  help: 'Verifications of the audit hash chain by result (ok, broken, failed)',
  labelNames: ['result'],
  registers: [metricsRegistry],
});
const chainOk = new Gauge({
  name: 'carelog_audit_chain_ok',
  help: 'The last completed audit chain verification: 1 the chain holds, 0 it is broken',
  registers: [metricsRegistry],
});
const verifiedAt = new Gauge({
  name: 'carelog_audit_verification_timestamp_seconds',
  help: 'When the last audit chain verification completed (ok or broken), unix seconds',
  registers: [metricsRegistry],
});
const verifiedRows = new Gauge({
  name: 'carelog_audit_verified_rows',
  help: 'Rows the last audit chain verification checked (up to the break, if broken)',
  registers: [metricsRegistry],
});
for (const result of VERIFICATION_RESULTS) verifications.inc({ result }, 0);

type AwaitingReview = Array<{ kind: AlertKind; count: number; oldestSeconds: number }>;
let awaitingReviewSource: (() => Promise<AwaitingReview>) | undefined;
let reading: Promise<AwaitingReview | null> | undefined;

/**
 * Both gauges come from one query: the registry collects a scrape's metrics at once, so the
 * second gauge shares the reading still in flight for the first.
 */
function readAwaitingReview(): Promise<AwaitingReview | null> {
  const source = awaitingReviewSource;
  if (!source) return Promise.resolve(null);
  reading ??= source()
    .catch(() => null)
    .finally(() => {
      reading = undefined;
    });
  return reading;
}

/**
 * Sets a gauge by kind at each scrape; when the store cannot be read the gauge has no series
 * (an absent series, not a stale value).
 */
function awaitingReviewGauge(
  { name, help }: { name: string; help: string },
  value: (kind: AwaitingReview[number]) => number,
): Gauge<'kind'> {
  return new Gauge({
    name,
    help,
    labelNames: ['kind'],
    registers: [metricsRegistry],
    async collect() {
      const reading = await readAwaitingReview();
      this.reset();
      for (const row of reading ?? []) this.set({ kind: row.kind }, value(row));
    },
  });
}
awaitingReviewGauge(
  {
    name: 'carelog_privacy_alerts_awaiting_review',
    help: `Privacy officer alerts not yet acknowledged, by kind (${ALERT_KINDS.join(', ')})`,
  },
  (row) => row.count,
);
awaitingReviewGauge(
  {
    name: 'carelog_privacy_alert_oldest_awaiting_review_seconds',
    help: 'How long the oldest unacknowledged privacy officer alert of each kind has waited (0 for none)',
  },
  (row) => row.oldestSeconds,
);

/** CARELOG_AUDIT_VERIFY_SECONDS: how often the record API verifies the audit chain. */
export const auditVerifyIntervalMs = (): number => setting('CARELOG_AUDIT_VERIFY_SECONDS') * 1000;

/**
 * The record API's oversight metrics that need the audit store: the alerts awaiting a
 * privacy officer's review (one count query at each scrape) and the audit chain, verified
 * once at start and then every CARELOG_AUDIT_VERIFY_SECONDS, beside the checkpointer that
 * signs its head. Started once the data sources are open, stopped before they close.
 */
@Injectable()
export class OversightMetrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditChainVerification');
  private loop: PollingLoop<VerificationResult> | undefined;

  constructor(@Inject(AuditTrail) private readonly trail: AuditTrail) {}

  onApplicationBootstrap(): void {
    const every = auditVerifyIntervalMs();
    awaitingReviewSource = () => this.trail.awaitingReview();
    this.loop = new PollingLoop({
      name: 'audit chain verification',
      run: () => this.verify(),
      intervalMs: every,
      firstRunMs: 0,
      logger: this.logger,
    });
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    awaitingReviewSource = undefined;
    await this.loop?.stop();
  }

  /** One verification, its result recorded in the metrics (the loop never runs two at once). */
  private verify(): Promise<VerificationResult> {
    return this.trail
      .verifyChain()
      .then(
        (verdict) => {
          const result = verificationResult(verdict);
          chainOk.set(verdict.ok ? 1 : 0);
          verifiedAt.set(Date.now() / 1000);
          verifiedRows.set(verdict.ok ? verdict.rows : verdict.seq - 1);
          // The break's detail names seqs only, never what a row holds.
          if (!verdict.ok) this.logger.error(`audit chain broken: ${verdict.detail}`);
          return result;
        },
        (error: unknown) => {
          // By the error's type and code only: a database error's message can quote a value.
          this.logger.warn(`audit chain verification could not be made: ${failureName(error)}`);
          return verificationResult({ error });
        },
      )
      .then((result) => {
        verifications.inc({ result });
        return result;
      });
  }
}
