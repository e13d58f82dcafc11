import { setting } from '@carelog/config';
import type { DataSource } from 'typeorm';
import { migrateRecordApiSchema, RECORD_API_SCHEMA } from '../record-api-schema';

/** How long a break-glass lasts (CARELOG_BREAK_GLASS_MINUTES). */
export const breakGlassMinutes = (): number => setting('CARELOG_BREAK_GLASS_MINUTES');

const SCHEMA = RECORD_API_SCHEMA;

/**
 * Break-glass grants: a named user's time-limited access to one patient, with the reason
 * they gave. Every grant is also in the audit trail and the privacy officer's queue.
 */
export class BreakGlassGrants {
  constructor(private readonly dataSource: DataSource) {}

  /** Creates the table as the owner where a migration URL is set, and grants it to the API's role. */
  async migrate(): Promise<void> {
    await migrateRecordApiSchema(this.dataSource, [
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.break_glass (
         grant_id uuid PRIMARY KEY,
         user_id text NOT NULL,
         organisation text NOT NULL,
         role text NOT NULL,
         nhs_number char(10) NOT NULL,
         reason text NOT NULL,
         granted_at timestamptz NOT NULL,
         expires_at timestamptz NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS break_glass_lookup ON ${SCHEMA}.break_glass (nhs_number, user_id, expires_at)`,
    ]);
  }

  async grant(grant: {
    grantId: string;
    userId: string;
    organisation: string;
    role: string;
    nhsNumber: string;
    reason: string;
    grantedAt: Date;
    expiresAt: Date;
  }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${SCHEMA}.break_glass (grant_id, user_id, organisation, role, nhs_number, reason, granted_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        grant.grantId,
        grant.userId,
        grant.organisation,
        grant.role,
        grant.nhsNumber,
        grant.reason,
        grant.grantedAt,
        grant.expiresAt,
      ],
    );
  }

  /**
   * The grant this user holds for the patient at `at`, if any: bound to the user, the
   * organisation and the role that obtained it (a grant obtained as care-worker does nothing
   * for a gp token of the same user), granted by then and not yet expired.
   */
  async active(
    caller: { userId: string; organisation: string; role: string },
    nhsNumber: string,
    at: Date,
  ): Promise<{ reason: string; expiresAt: Date } | null> {
    const rows = await this.dataSource.query<Array<{ reason: string; expires_at: Date }>>(
      `SELECT reason, expires_at FROM ${SCHEMA}.break_glass
       WHERE nhs_number = $1 AND user_id = $2 AND organisation = $3 AND role = $4
         AND granted_at <= $5 AND expires_at > $5
       ORDER BY expires_at DESC LIMIT 1`,
      [nhsNumber, caller.userId, caller.organisation, caller.role, at],
    );
    const row = rows[0];
    return row ? { reason: row.reason, expiresAt: row.expires_at } : null;
  }
}
