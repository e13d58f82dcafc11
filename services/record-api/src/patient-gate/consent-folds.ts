import type { ConsentDecisionType, ConsentFacts } from '@carelog/domain';
import {
  carerApprovalOf,
  consentFactsOf,
  sealOf,
  shareOf,
  type ConsentDecisionRead,
  type ConsentInForce,
  type SealFact,
  type ShareFact,
} from '@carelog/read-model';

/** What the patient gate needs of a patient's consents: the facts for the access rules, and a carer's scope. */
export interface GateConsents {
  consents: ConsentFacts;
  /** The reading carer's approved sections; null when they hold no approval (or are no carer). */
  carerScope: string[] | null;
}

/** The consent decisions the access rules read (opt-outs and a child's decisions are read elsewhere). */
export const CONSENT_EVENT_TYPES = [
  'EntrySealed',
  'EntryUnsealed',
  'SensitiveInformationShared',
  'CarerApproved',
  'CarerRevoked',
] as const satisfies readonly ConsentDecisionType[];

export type ConsentDecision = ConsentDecisionRead<(typeof CONSENT_EVENT_TYPES)[number]>;

/**
 * Consents and carer approvals as they stood at a time: a fold of the patient's decisions
 * recorded by then, in log order.
 */
export function foldConsents(
  decisions: readonly ConsentDecision[],
  carerUserId: string | null,
): GateConsents {
  const seals = new Map<string, SealFact>();
  const shares = new Map<string, ShareFact>();
  let carerScope: string[] | null = null;
  for (const { type, payload } of decisions) {
    if (type === 'EntrySealed' || type === 'EntryUnsealed') {
      const seal = sealOf(payload);
      const key = `${seal.entryEventId}:${seal.kind}:${seal.value}`;
      if (type === 'EntrySealed') seals.set(key, seal);
      else seals.delete(key);
    } else if (type === 'SensitiveInformationShared') {
      const share = shareOf(payload);
      shares.set(`${share.category}:${share.organisation}`, share);
    } else if (carerUserId !== null && payload['carerUserId'] === carerUserId) {
      carerScope = type === 'CarerApproved' ? carerApprovalOf(carerUserId, payload).scope : null;
    }
  }
  return { consents: { seals: [...seals.values()], shares: [...shares.values()] }, carerScope };
}

/** Consents and carer approvals as they stand now (consent_state). */
export function consentsNow(
  inForce: readonly ConsentInForce[],
  carerUserId: string | null,
): GateConsents {
  const approval = inForce.find(
    (decision) => decision.kind === 'carer' && decision.approval.carerUserId === carerUserId,
  );
  return {
    consents: consentFactsOf(inForce),
    carerScope: approval?.kind === 'carer' ? approval.approval.scope : null,
  };
}
