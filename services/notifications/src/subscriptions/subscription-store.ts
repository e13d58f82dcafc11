import { randomUUID } from 'node:crypto';
import type { Caller } from '@carelog/auth';
import { DomainError, isStaffRole, isUuid } from '@carelog/domain';
import type { DataSource } from 'typeorm';
import { DESTINATION_NOT_ALLOWED, type WebhookEgress } from '../webhooks/webhook-egress';
import { newWebhookSecret } from '../webhooks/webhook-signature';

/** Who a notification is addressed to: exactly the identity a token carries. */
export interface Identity {
  userId: string;
  role: string;
  organisation: string;
}

export const identityOf = (caller: Caller): Identity => ({
  userId: caller.userId,
  role: caller.role,
  organisation: caller.organisation,
});

export interface SubscriptionView {
  id: string;
  url: string;
  createdAt: string;
}

/** URLs up to this length are accepted. */
const MAX_URL_LENGTH = 2048;

/** Only identities that can ever be notified may subscribe: carers and care-team staff. */
export function assertMayBeNotified(caller: Caller): void {
  // What a notification names (patient, entry type) is record data: NHS login users need P9.
  if (caller.role === 'carer' && caller.identityProofingLevel !== 'P9')
    throw new DomainError(
      'identity-proofing-insufficient',
      'notifications through NHS login need identity proofing level P9',
      'Authorization',
    );
  if (caller.role === 'carer' || (isStaffRole(caller.role) && caller.role !== 'privacy-officer'))
    return;
  throw new DomainError(
    'not-permitted',
    'notifications are for approved carers and care-team staff',
    'Authorization',
  );
}

export function parseWebhookUrl(body: unknown): string {
  const url = (body as { url?: unknown } | null)?.url;
  if (typeof url !== 'string' || url.length === 0)
    throw new DomainError('invalid-url', 'must be an http or https URL', 'url');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DomainError('invalid-url', 'must be an http or https URL', 'url');
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || url.length > MAX_URL_LENGTH)
    throw new DomainError(
      'invalid-url',
      `must be an http or https URL of at most ${MAX_URL_LENGTH} characters`,
      'url',
    );
  if (parsed.username || parsed.password)
    throw new DomainError('invalid-url', 'must not carry credentials', 'url');
  return parsed.toString();
}

/**
 * Refuses a URL whose host is, or resolves to, an address webhooks may not reach. The detail
 * names no address: how internal names resolve is not the subscriber's business.
 */
export async function assertDestinationAllowed(egress: WebhookEgress, url: string): Promise<void> {
  const refused = await egress.refusalOf(url);
  if (refused === undefined) return;
  throw new DomainError(
    DESTINATION_NOT_ALLOWED,
    refused.kind === 'unresolved'
      ? 'the host could not be resolved'
      : 'webhooks go only to public addresses or to ones an operator allowed; this host is, or resolves to, a loopback, private, link-local, metadata or other non-public address',
    'url',
  );
}

const subscriptionNotFound = (): DomainError =>
  new DomainError('subscription-not-found', 'no subscription with that id is yours', 'id');

/** Subscribers and their webhooks; every query is scoped to the caller's own identity. */
export class SubscriptionStore {
  constructor(private readonly dataSource: DataSource) {}

  /** From now on, notifications are addressed to this identity (webhook or stream). */
  async register(identity: Identity): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO subscriber (user_id, role, organisation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [identity.userId, identity.role, identity.organisation],
    );
  }

  async create(identity: Identity, url: string): Promise<SubscriptionView & { secret: string }> {
    const id = randomUUID();
    const secret = newWebhookSecret();
    const rows = await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO subscriber (user_id, role, organisation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [identity.userId, identity.role, identity.organisation],
      );
      return manager.query<Array<{ created_at: Date }>>(
        `INSERT INTO webhook_subscription (id, user_id, role, organisation, url, secret)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at`,
        [id, identity.userId, identity.role, identity.organisation, url, secret],
      );
    });
    return {
      id,
      url,
      secret,
      createdAt: new Date(rows[0]?.created_at ?? Date.now()).toISOString(),
    };
  }

  async list(identity: Identity): Promise<SubscriptionView[]> {
    const rows = await this.dataSource.query<Array<{ id: string; url: string; created_at: Date }>>(
      `SELECT id, url, created_at FROM webhook_subscription
       WHERE user_id = $1 AND role = $2 AND organisation = $3 AND deleted_at IS NULL
       ORDER BY created_at, id`,
      [identity.userId, identity.role, identity.organisation],
    );
    return rows.map((row) => ({
      id: row.id,
      url: row.url,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  }

  /** Ends a subscription and cancels its deliveries not yet made; another's id answers as not found. */
  async delete(identity: Identity, id: string): Promise<void> {
    if (!isUuid(id)) throw subscriptionNotFound();
    await this.dataSource.transaction(async (manager) => {
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE with [rows, count], not rows.
      const ended = await manager.query<Array<{ id: string }>>(
        `WITH ended AS (
           UPDATE webhook_subscription SET deleted_at = now()
           WHERE id = $1 AND user_id = $2 AND role = $3 AND organisation = $4 AND deleted_at IS NULL
           RETURNING id
         )
         SELECT id FROM ended`,
        [id, identity.userId, identity.role, identity.organisation],
      );
      if (ended.length === 0) throw subscriptionNotFound();
      await manager.query(
        `UPDATE webhook_delivery SET status = 'cancelled', updated_at = now()
         WHERE subscription_id = $1 AND status = 'pending'`,
        [id],
      );
    });
  }
}
