import type { EntryTypeName } from '../generated/entry-type-names';
import { DomainError } from '../domain-error';
import { entryTypeRule } from '../source-domains';

/**
 * Who is writing, as the verified token says: a person (their carelog role) or a connected
 * source system (role `system`, with the entry types its registration allows).
 */
export interface WritingAuthor {
  kind: 'person' | 'source-system';
  role: string;
  organisation: string;
  /** Source systems only: the entry types the ICS registered the system for. */
  entryTypes?: readonly string[];
}

/** A row of the patient's care relationships as the read model holds it (any kind, claims too). */
export interface HeldRelationship {
  organisation: string;
  kind: string;
  endedAt: Date | null;
  expiresAt: Date | null;
}

/** A referral that a `ReferralAccepted` names, as the read model holds it. */
export interface ReferralFacts {
  entryType: EntryTypeName;
  status: string;
  receivingOrganisation: string | null;
}

export interface ProposedWrite {
  type: string;
  /** The record written into (the envelope's patient); the children's rules compare with it. */
  nhsNumber?: string;
  payload: Record<string, unknown>;
  attention: { role: string; organisation: string } | null;
  /** An amendment or an entered-in-error correction: it never starts anything. */
  correction: boolean;
}

export interface WriteFacts {
  relationships: readonly HeldRelationship[];
  /** For ReferralAccepted: the referral it names, or null when there is none. */
  referral?: ReferralFacts | null;
  /** For entries kept on a child's record: whether a recorded birth created this record. */
  child?: boolean;
  /** For BirthRecorded: whether carelog already holds anything for the baby's NHS number. */
  babyHasRecord?: boolean;
}

export interface WritePermission {
  /** Organisations this very entry gives a relationship to. */
  gains: string[];
}

export const isActiveRelationship = (relationship: HeldRelationship, now: Date): boolean =>
  relationship.endedAt === null &&
  (relationship.expiresAt === null || relationship.expiresAt > now);

const holds = (facts: WriteFacts, organisation: string, now: Date, kind?: string): boolean =>
  facts.relationships.some(
    (relationship) =>
      relationship.organisation === organisation &&
      (kind === undefined || relationship.kind === kind) &&
      isActiveRelationship(relationship, now),
  );

const holdsBesidesClaim = (
  facts: WriteFacts,
  organisation: string,
  now: Date,
  kind?: string,
): boolean =>
  facts.relationships.some(
    (relationship) =>
      relationship.organisation === organisation &&
      relationship.kind !== 'claim' &&
      (kind === undefined || relationship.kind === kind) &&
      isActiveRelationship(relationship, now),
  );

const startRefused = (detail: string): DomainError =>
  new DomainError('relationship-start-not-permitted', detail, 'type');

/** The organisations an entry that starts a relationship gives it to, if its way is valid. */
function decideStart(
  author: WritingAuthor,
  write: ProposedWrite,
  facts: WriteFacts,
  now: Date,
): string[] {
  const relationship = entryTypeRule(write.type)?.relationship;
  if (!relationship || relationship.effect !== 'starts' || write.correction) return [];
  const provenance = relationship.provenance;
  switch (provenance?.way) {
    case 'authoritative':
      if (author.kind !== 'source-system' || !(author.entryTypes ?? []).includes(write.type))
        throw startRefused(
          `${write.type} starts a care relationship: only the organisation's own source system, registered for it, may record it`,
        );
      return [author.organisation];
    case 'hand-over': {
      const field = relationship.organisationField;
      const receiver = field ? write.payload[field] : undefined;
      // An entry that may name a receiver but names none (a prescription not sent to a
      // nominated pharmacy) hands nothing over; it is an ordinary write.
      if (field && (typeof receiver !== 'string' || receiver === '')) return [];
      // A claim is the claimant's own, time-limited and reviewed: it hands nothing over (else a
      // claim would become a lasting relationship, or a third organisation's, unalerted).
      if (!holdsBesidesClaim(facts, author.organisation, now, provenance.fromKind))
        throw startRefused(
          provenance.fromKind
            ? `only an organisation holding an active ${provenance.fromKind} relationship may hand over with ${write.type}`
            : `only an organisation holding an active care relationship may hand over with ${write.type}`,
        );
      return typeof receiver === 'string' && receiver !== '' ? [receiver] : [];
    }
    case 'acceptance': {
      const referral = facts.referral;
      if (
        !referral ||
        referral.entryType !== 'ReferralMade' ||
        referral.status !== 'current' ||
        referral.receivingOrganisation !== author.organisation
      )
        throw startRefused('only the organisation a current referral names may accept it');
      return [author.organisation];
    }
    case 'claim': {
      // Way 3: a member of staff, for their own organisation, with a reason and an expiry.
      const staff =
        author.kind === 'person' && author.role !== 'patient' && author.role !== 'carer';
      const reason = write.payload['reason'];
      const expiresAt = write.payload['expiresAt'];
      if (
        !staff ||
        write.payload['organisation'] !== author.organisation ||
        typeof reason !== 'string' ||
        reason.trim() === '' ||
        typeof expiresAt !== 'string' ||
        !(Date.parse(expiresAt) > now.getTime())
      )
        throw startRefused(
          'a relationship is claimed only by a member of staff, for their own organisation, with a reason and an expiry',
        );
      return [author.organisation];
    }
    default:
      // A start with no declared way can never be made (deny by default).
      throw startRefused(`${write.type} cannot be recorded this way`);
  }
}

/**
 * Children's records (docs/architecture.md, "Children"), checked once the relationship rules let the
 * author in (so that nobody without a relationship learns from the answer whether a record
 * is a child's): health visiting and development entries sit on the child's own record; a
 * birth names the baby's own, new NHS number (an existing record is never made someone's
 * baby, which would hand its mother parental responsibility for it); parental responsibility
 * is recorded by an organisation that registers or holds a case for the child.
 */
function checkChildrensRules(
  author: WritingAuthor,
  write: ProposedWrite,
  facts: WriteFacts,
  now: Date,
): void {
  if (write.correction) return;
  const rule = entryTypeRule(write.type);
  const under = rule?.recordedUnder;
  if (under && !under.some((kind) => holdsBesidesClaim(facts, author.organisation, now, kind)))
    throw new DomainError(
      'relationship-kind-required',
      `${write.type} is recorded only by an organisation holding a ${under.join(' or ')} relationship with the patient`,
      'type',
    );
  if (rule?.childRecord) {
    if (facts.child !== true)
      throw new DomainError(
        'child-record-required',
        `${write.type} is recorded on the child's own record (created by a recorded birth)`,
        'patient.nhsNumber',
      );
    const named = write.payload['childNhsNumber'];
    if (named !== undefined && named !== null && named !== write.nhsNumber)
      throw new DomainError(
        'child-record-required',
        "must be the NHS number of the record written into (the child's own)",
        'payload.childNhsNumber',
      );
  }
  if (write.type === 'BirthRecorded') {
    const baby = write.payload['babyNhsNumber'];
    if (typeof baby !== 'string' || baby === '' || baby === write.nhsNumber)
      throw new DomainError(
        'baby-nhs-number-required',
        "a birth names the baby's own NHS number, which creates the baby's record",
        'payload.babyNhsNumber',
      );
    if (facts.babyHasRecord === true)
      throw new DomainError(
        'baby-record-exists',
        "carelog already holds a record for that NHS number: a birth creates a new baby's record",
        'payload.babyNhsNumber',
      );
  }
}

/**
 * Whether an author may write this entry into a patient's record (docs/architecture.md, "Legitimate
 * relationships"), and whom it gives a relationship to:
 * - an entry that starts a relationship is valid only in its declared way (an authoritative
 *   source system of that organisation, or a hand-over by a holder, or the receiver of a
 *   referral accepting it): otherwise 403 `relationship-start-not-permitted`; a claim is
 *   the claimant's own, so hand-overs and referrals need a relationship besides a claim;
 * - any other write needs an active relationship of the author's organisation (any kind,
 *   claims included): otherwise 403 `care-relationship-required`; patients and carers keep
 *   their own rules, checked where their contributions are taken;
 * - a flag must name an organisation that holds, or by this very entry gains, a relationship:
 *   otherwise 422 `attention-recipient-unreachable`;
 * - then the children's rules (checkChildrensRules).
 */
export function decideWritePermission(
  author: WritingAuthor,
  write: ProposedWrite,
  facts: WriteFacts,
  now: Date,
): WritePermission {
  const gains = decideStart(author, write, facts, now);
  const ownRules =
    author.kind === 'person' && (author.role === 'patient' || author.role === 'carer');
  const startsForAuthor = gains.includes(author.organisation);
  if (!ownRules && !startsForAuthor && !holds(facts, author.organisation, now)) {
    throw new DomainError(
      'care-relationship-required',
      "writing into a record needs an active care relationship of the author's organisation",
      'patient.nhsNumber',
    );
  }
  if (
    entryTypeRule(write.type)?.pendingHandOver &&
    !write.correction &&
    !holdsBesidesClaim(facts, author.organisation, now)
  )
    throw startRefused(
      `${write.type} hands over: only an organisation holding a care relationship besides a claim may make it`,
    );
  const recipient = write.attention?.organisation;
  if (recipient !== undefined && !gains.includes(recipient) && !holds(facts, recipient, now)) {
    throw new DomainError(
      'attention-recipient-unreachable',
      'a flag must name an organisation that holds, or by this entry gains, a care relationship with the patient',
      'attention.organisation',
    );
  }
  checkChildrensRules(author, write, facts, now);
  return { gains };
}
