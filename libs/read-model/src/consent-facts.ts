import { parseConsentSubject, type ConsentDecisionType, type ConsentFacts } from '@carelog/domain';
import type { EntityManager } from 'typeorm';

/** A seal in force: the entry, and who it is sealed from. */
export type SealFact = ConsentFacts['seals'][number];
/** A legally protected category the patient shared with an organisation. */
export type ShareFact = ConsentFacts['shares'][number];
/** A carer's approval as the patient gave it. */
export interface CarerApprovalFact {
  carerUserId: string;
  /** The sections the carer may read; null when the stored approval holds no list. */
  scope: string[] | null;
  /** The patient's choice whether this carer is told of changes; absent means yes. */
  notifyOnCarePlanChange: boolean;
}

/**
 * The fields of a decision the access rules read. The same shape is stored in two places: a
 * consent decision's payload (entry_version) and the detail of the state it left
 * (consent_state), so one mapper reads both.
 */
type Detail = Record<string, unknown>;

export const sealOf = (detail: Detail): SealFact => {
  const from = (detail['sealedFrom'] ?? {}) as Detail;
  return {
    entryEventId: String(detail['entryEventId']),
    kind: String(from['kind']),
    value: String(from['value']),
  };
};

export const shareOf = (detail: Detail): ShareFact => ({
  category: String(detail['category']),
  organisation: String(detail['sharedWithOrganisation']),
});

export const carerApprovalOf = (carerUserId: string, detail: Detail): CarerApprovalFact => {
  const scope = detail['scope'];
  return {
    carerUserId,
    scope: Array.isArray(scope) ? scope.filter((s): s is string => typeof s === 'string') : null,
    notifyOnCarePlanChange: detail['notifyOnCarePlanChange'] !== false,
  };
};

/** A consent decision in force for a patient, as the readers of consent_state use it. */
export type ConsentInForce =
  | { kind: 'seal'; seal: SealFact }
  | { kind: 'share'; share: ShareFact }
  | { kind: 'carer'; approval: CarerApprovalFact }
  | { kind: 'optOut'; optOutType: string }
  | { kind: 'parentalResponsibility'; personNhsNumber: string }
  | { kind: 'parentalAccess'; parentNhsNumber: string };

/** The named mapper from a consent_state row to the decision it holds; undefined for a subject no reader knows. */
export function consentInForceOf(row: {
  subject: string;
  detail: Detail;
}): ConsentInForce | undefined {
  const subject = parseConsentSubject(row.subject);
  switch (subject?.kind) {
    case 'seal':
      return { kind: 'seal', seal: sealOf(row.detail) };
    case 'share':
      return { kind: 'share', share: shareOf(row.detail) };
    case 'carer':
      return { kind: 'carer', approval: carerApprovalOf(subject.rest, row.detail) };
    case 'optOut':
      return { kind: 'optOut', optOutType: subject.rest };
    case 'parentalResponsibility':
      return { kind: 'parentalResponsibility', personNhsNumber: subject.rest };
    case 'parentalAccess':
      return { kind: 'parentalAccess', parentNhsNumber: subject.rest };
    case undefined:
      return undefined;
  }
}

/** The seals and shares in force, as the access rules read them (entryDisclosure). */
export const consentFactsOf = (inForce: readonly ConsentInForce[]): ConsentFacts => ({
  seals: inForce.flatMap((decision) => (decision.kind === 'seal' ? [decision.seal] : [])),
  shares: inForce.flatMap((decision) => (decision.kind === 'share' ? [decision.share] : [])),
});

/** What runs the SQL: a DataSource or a transaction's EntityManager. */
export type ConsentSql = Pick<EntityManager, 'query'>;

/**
 * The patient's consent decisions in force now (consent_state rows that are active). `schema`
 * names the read model's schema for a caller whose search path is its own (notifications).
 */
export async function readConsentsInForce(
  sql: ConsentSql,
  nhsNumber: string,
  { schema }: { schema?: string } = {},
): Promise<ConsentInForce[]> {
  const table = schema === undefined ? 'consent_state' : `"${schema}".consent_state`;
  const rows = await sql.query<Array<{ subject: string; detail: Detail }>>(
    `SELECT subject, detail FROM ${table} WHERE nhs_number = $1 AND active`,
    [nhsNumber],
  );
  return rows.flatMap((row) => consentInForceOf(row) ?? []);
}

/** A consent decision as recorded (an entry_version row of a consent decision type). */
export interface ConsentDecisionRead<T extends ConsentDecisionType = ConsentDecisionType> {
  type: T;
  /** The decision's payload; read its fields with sealOf, shareOf, carerApprovalOf. */
  payload: Detail;
}

/** The patient's decisions of these types recorded by `until`, in log order (to fold into the state then). */
export async function readConsentDecisions<T extends ConsentDecisionType>(
  sql: ConsentSql,
  nhsNumber: string,
  types: readonly T[],
  until: Date,
): Promise<Array<ConsentDecisionRead<T>>> {
  const rows = await sql.query<Array<{ entry_type: T; payload: Detail }>>(
    `SELECT entry_type, payload FROM entry_version
     WHERE nhs_number = $1 AND entry_type = ANY($2::text[]) AND recorded_at <= $3
     ORDER BY recorded_at, kafka_offset`,
    [nhsNumber, types, until],
  );
  return rows.map((row) => ({ type: row.entry_type, payload: row.payload }));
}
