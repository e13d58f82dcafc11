import { DomainError } from '@carelog/domain';
import { metricsRegistry } from '@carelog/nest-platform';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { PatientStateReader } from '../recipients/patient-state';
import {
  mayStillBeTold,
  type NotificationReason,
  type PatientState,
  type StoredEntryFacts,
} from '../recipients/recipients';
import type { Identity } from '../subscriptions/subscription-store';

/** One notification as the stream and webhooks send it. */
export interface NotificationMessage {
  id: string;
  nhsNumber: string;
  eventId: string;
  entryType: string;
  occurredAt: string;
  reason: string;
  link: string;
}

export interface SequencedNotification {
  seq: string;
  notification: NotificationMessage;
}

/** One read of the feed: what may be sent, and how far it read (withheld rows included). */
export interface FeedPage {
  visible: SequencedNotification[];
  /** The last seq read, whether sent or withheld; undefined if nothing was read. */
  readUpTo: string | undefined;
  /** How many rows were read: fewer than asked means the reader is at the end. */
  read: number;
}

const openStreams = new Gauge({
  name: 'carelog_notification_streams_open',
  help: 'Server-sent-events streams open on this instance',
  registers: [metricsRegistry],
});

/** `Last-Event-ID` is the `seq` of the last notification the client saw. */
export function parseLastEventId(header: string | undefined): string {
  if (header === undefined || header === '') return '0';
  if (!/^\d{1,18}$/.test(header))
    throw new DomainError(
      'invalid-last-event-id',
      'must be the id of an event this stream sent',
      'Last-Event-ID',
    );
  return header;
}

/**
 * Where a stream starts: after `Last-Event-ID` when the client resumes; otherwise at the
 * start (`from` absent: every notification kept) or after the newest (`from=latest`: only what
 * comes next, for a page that shows live updates and should not replay the past).
 */
export function streamStart(
  lastEventId: string | undefined,
  from: string | undefined,
): { after: string } | 'latest' {
  if (lastEventId !== undefined && lastEventId !== '')
    return { after: parseLastEventId(lastEventId) };
  if (from === undefined || from === '' || from === 'start') return { after: '0' };
  if (from === 'latest') return 'latest';
  throw new DomainError('invalid-from', 'must be start or latest', 'from');
}

/**
 * Reads an identity's notifications in `seq` order, withholding any the identity may no
 * longer be told (access decided again, as before a webhook attempt), and keeps track of open
 * streams so that shutdown can end them.
 */
export class NotificationFeed {
  private readonly open = new Set<() => void>();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: PatientStateReader,
  ) {}

  async after(identity: Identity, seq: string, limit: number): Promise<FeedPage> {
    const rows = await this.dataSource.query<
      Array<{
        seq: string;
        id: string;
        nhs_number: string;
        event_id: string;
        entry_type: string;
        occurred_at: Date;
        reason: NotificationReason;
        link: string;
        entry_facts: StoredEntryFacts;
      }>
    >(
      `SELECT seq, id, nhs_number, event_id, entry_type, occurred_at, reason, link, entry_facts FROM notification
       WHERE user_id = $1 AND role = $2 AND organisation = $3 AND seq > $4
       ORDER BY seq LIMIT $5`,
      [identity.userId, identity.role, identity.organisation, seq, limit],
    );
    const states = new Map<string, PatientState>();
    for (const nhsNumber of new Set(rows.map((row) => row.nhs_number)))
      states.set(nhsNumber, await this.reader.stateOf(nhsNumber));
    const now = new Date();
    const allowed = rows.filter((row) => {
      const state = states.get(row.nhs_number);
      return (
        state !== undefined &&
        mayStillBeTold(
          identity,
          {
            nhsNumber: row.nhs_number,
            eventId: row.event_id,
            entryType: row.entry_type,
            occurredAt: new Date(row.occurred_at),
            reason: row.reason,
            facts: row.entry_facts,
          },
          state,
          now,
        )
      );
    });
    const visible = allowed.map((row) => ({
      seq: String(row.seq),
      notification: {
        id: row.id,
        nhsNumber: row.nhs_number,
        eventId: row.event_id,
        entryType: row.entry_type,
        occurredAt: new Date(row.occurred_at).toISOString(),
        reason: row.reason,
        link: row.link,
      },
    }));
    const last = rows.at(-1);
    return { visible, readUpTo: last ? String(last.seq) : undefined, read: rows.length };
  }

  /** The `seq` of the identity's newest notification ('0' when there is none). */
  async latest(identity: Identity): Promise<string> {
    const [row] = await this.dataSource.query<Array<{ seq: string | null }>>(
      `SELECT max(seq) AS seq FROM notification WHERE user_id = $1 AND role = $2 AND organisation = $3`,
      [identity.userId, identity.role, identity.organisation],
    );
    return row?.seq === null || row?.seq === undefined ? '0' : String(row.seq);
  }

  /**
   * Registers an open stream's way to end itself (and to look again now, when new
   * notifications are stored); returns its deregistration.
   */
  track(end: () => void, wake?: () => void): () => void {
    this.open.add(end);
    if (wake) this.wakers.add(wake);
    openStreams.set(this.open.size);
    return () => {
      this.open.delete(end);
      if (wake) this.wakers.delete(wake);
      openStreams.set(this.open.size);
    };
  }

  /** New notifications were stored (by any instance): every open stream looks now. */
  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** Ends every open stream (clients reconnect with Last-Event-ID elsewhere). */
  closeAll(): void {
    for (const end of [...this.open]) end();
  }
}
