import { entryTypeNamed, type HeldRelationship, type ReferralFacts } from '@carelog/domain';
import { servingSchema } from '@carelog/read-model';
import type { DataSource } from 'typeorm';

/** Postgres: "relation does not exist" (no projection has built a read model yet). */
const UNDEFINED_TABLE = '42P01';

const isMissingTable = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === UNDEFINED_TABLE;

/**
 * What a producer needs of the read model to decide a write: the patient's care
 * relationships and a referral being accepted. Read from the
 * serving schema the projection maintains; a read model not built yet holds nothing, so
 * every write that needs a relationship is refused (deny by default).
 */
export class ReadModelFacts {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema = servingSchema(),
  ) {}

  private async rows<T>(sql: string, parameters: unknown[]): Promise<T[]> {
    try {
      return await this.dataSource.query<T[]>(sql, parameters);
    } catch (error) {
      if (isMissingTable(error)) return [];
      throw error;
    }
  }

  async relationshipsOf(nhsNumber: string): Promise<HeldRelationship[]> {
    const rows = await this.rows<{
      organisation: string;
      kind: string;
      ended_at: Date | null;
      expires_at: Date | null;
    }>(
      `SELECT organisation, kind, ended_at, expires_at FROM "${this.schema}".care_relationship
       WHERE nhs_number = $1 AND ended_at IS NULL`,
      [nhsNumber],
    );
    return rows.map((row) => ({
      organisation: row.organisation,
      kind: row.kind,
      endedAt: row.ended_at,
      expiresAt: row.expires_at,
    }));
  }

  /** Whether a recorded birth created this record (it is a child's, linked to its mother's). */
  async isChild(nhsNumber: string): Promise<boolean> {
    const rows = await this.rows<{ found: number }>(
      `SELECT 1 AS found FROM "${this.schema}".family_link
       WHERE nhs_number = $1 AND relation = 'mother' LIMIT 1`,
      [nhsNumber],
    );
    return rows.length > 0;
  }

  /** Whether carelog holds anything for this NHS number: entries, relationships, links, consents. */
  async hasRecord(nhsNumber: unknown): Promise<boolean> {
    if (typeof nhsNumber !== 'string') return false;
    const rows = await this.rows<{ found: number }>(
      `SELECT 1 AS found WHERE EXISTS (SELECT 1 FROM "${this.schema}".entry_version WHERE nhs_number = $1)
          OR EXISTS (SELECT 1 FROM "${this.schema}".care_relationship WHERE nhs_number = $1)
          OR EXISTS (SELECT 1 FROM "${this.schema}".family_link WHERE nhs_number = $1)
          OR EXISTS (SELECT 1 FROM "${this.schema}".consent_state WHERE nhs_number = $1)`,
      [nhsNumber],
    );
    return rows.length > 0;
  }

  async referral(nhsNumber: string, eventId: unknown): Promise<ReferralFacts | null> {
    if (typeof eventId !== 'string' || !/^[0-9a-f-]{36}$/i.test(eventId)) return null;
    const [row] = await this.rows<{
      entry_type: string;
      status: string;
      receiving: string | null;
    }>(
      `SELECT entry_type, status, payload->>'receivingOrganisation' AS receiving
       FROM "${this.schema}".record_entry WHERE event_id = $1 AND nhs_number = $2`,
      [eventId, nhsNumber],
    );
    return row
      ? {
          entryType: entryTypeNamed(row.entry_type),
          status: row.status,
          receivingOrganisation: row.receiving,
        }
      : null;
  }
}
