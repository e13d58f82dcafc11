import {
  consentFactsOf,
  readConsentsInForce,
  servingSchema,
  type ConsentInForce,
} from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { CarerApproval, PatientState, Subscriber } from './recipients';

/** The consents in force as the access rules and the carer approvals need them. */
export function stateFromConsents(
  inForce: readonly ConsentInForce[],
): Omit<PatientState, 'relationships'> {
  const carers = new Map<string, CarerApproval>();
  for (const decision of inForce)
    if (decision.kind === 'carer')
      carers.set(decision.approval.carerUserId, {
        scope: decision.approval.scope ?? [],
        notify: decision.approval.notifyOnCarePlanChange,
      });
  return { carers, consents: consentFactsOf(inForce) };
}

/**
 * Reads what the access rules need from the read model the projection keeps (its serving
 * schema), and which subscribers could be concerned. Read outside the write transaction:
 * it is another service's state, and only ever read.
 */
export class PatientStateReader {
  private readonly schema = servingSchema();
  private readonly readModel = `"${this.schema}"`;

  constructor(private readonly dataSource: DataSource) {}

  async stateOf(nhsNumber: string): Promise<PatientState> {
    const [relationships, inForce] = await Promise.all([
      this.dataSource.query<
        Array<{ organisation: string; ended_at: Date | null; expires_at: Date | null }>
      >(
        `SELECT organisation, ended_at, expires_at FROM ${this.readModel}.care_relationship WHERE nhs_number = $1`,
        [nhsNumber],
      ),
      readConsentsInForce(this.dataSource, nhsNumber, { schema: this.schema }),
    ]);
    return {
      relationships: relationships.map((row) => ({
        organisation: row.organisation,
        endedAt: row.ended_at,
        expiresAt: row.expires_at,
      })),
      ...stateFromConsents(inForce),
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
