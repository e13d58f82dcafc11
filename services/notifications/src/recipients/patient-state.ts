import { parseConsentSubject, type ConsentFacts } from '@carelog/domain';
import { servingSchema } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { CarerApproval, PatientState, Subscriber } from './recipients';

interface ConsentRow {
  subject: string;
  detail: Record<string, unknown>;
}

/** Active consent rows as the access rules and the carer approvals need them. */
export function stateFromConsents(
  rows: readonly ConsentRow[],
): Omit<PatientState, 'relationships'> {
  const carers = new Map<string, CarerApproval>();
  const consents: {
    seals: ConsentFacts['seals'][number][];
    shares: ConsentFacts['shares'][number][];
  } = { seals: [], shares: [] };
  for (const row of rows) {
    const subject = parseConsentSubject(row.subject);
    if (subject?.kind === 'carer') {
      const scope = row.detail['scope'];
      carers.set(subject.rest, {
        scope: Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : [],
        notify: row.detail['notifyOnCarePlanChange'] !== false,
      });
    } else if (subject?.kind === 'seal') {
      const sealedFrom = (row.detail['sealedFrom'] ?? {}) as Record<string, unknown>;
      consents.seals.push({
        entryEventId: String(row.detail['entryEventId']),
        kind: String(sealedFrom['kind']),
        value: String(sealedFrom['value']),
      });
    } else if (subject?.kind === 'share') {
      consents.shares.push({
        category: String(row.detail['category']),
        organisation: String(row.detail['sharedWithOrganisation']),
      });
    }
  }
  return { carers, consents };
}

/**
 * Reads what the access rules need from the read model the projection keeps (its serving
 * schema), and which subscribers could be concerned. Read outside the write transaction:
 * it is another service's state, and only ever read.
 */
export class PatientStateReader {
  private readonly readModel = `"${servingSchema()}"`;

  constructor(private readonly dataSource: DataSource) {}

  async stateOf(nhsNumber: string): Promise<PatientState> {
    const [relationships, consentRows] = await Promise.all([
      this.dataSource.query<
        Array<{ organisation: string; ended_at: Date | null; expires_at: Date | null }>
      >(
        `SELECT organisation, ended_at, expires_at FROM ${this.readModel}.care_relationship WHERE nhs_number = $1`,
        [nhsNumber],
      ),
      this.dataSource.query<ConsentRow[]>(
        `SELECT subject, detail FROM ${this.readModel}.consent_state WHERE nhs_number = $1 AND active`,
        [nhsNumber],
      ),
    ]);
    return {
      relationships: relationships.map((row) => ({
        organisation: row.organisation,
        endedAt: row.ended_at,
        expiresAt: row.expires_at,
      })),
      ...stateFromConsents(consentRows),
    };
  }

  /** Subscribers a notification could concern: approved carers, staff of related organisations, the named role. */
  async candidates(
    state: PatientState,
    attention: { role: string; organisation: string } | null,
  ): Promise<Subscriber[]> {
    const rows = await this.dataSource.query<
      Array<{ user_id: string; role: string; organisation: string }>
    >(
      `SELECT user_id, role, organisation FROM subscriber
       WHERE (role = 'carer' AND user_id = ANY($1::text[]))
          OR (role <> 'carer' AND organisation = ANY($2::text[]))
          OR (role = $3 AND organisation = $4)`,
      [
        [...state.carers.keys()],
        [...new Set(state.relationships.map((relationship) => relationship.organisation))],
        attention?.role ?? null,
        attention?.organisation ?? null,
      ],
    );
    return rows.map((row) => ({
      userId: row.user_id,
      role: row.role,
      organisation: row.organisation,
    }));
  }
}
