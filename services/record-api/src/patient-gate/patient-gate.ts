import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  AuditPublishError,
  type AccessEvent,
  type AuditTrail,
  type RelationshipClaim,
} from '@carelog/audit';
import type { Caller } from '@carelog/auth';
import {
  decidePatientAccess,
  DomainError,
  entryDisclosure,
  isValidNhsNumber,
  consentSubject,
  type ConsentFacts,
  type ParentalFacts,
  type EntryDisclosure,
  type EntryFacts,
  type PatientAccess,
  type RelationshipFacts,
  type Viewer,
} from '@carelog/domain';
import { readConsentDecisions, readConsentsInForce } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { BreakGlassGrants } from '../break-glass/break-glass-grants';
import { CONSENT_EVENT_TYPES, consentsNow, foldConsents, type GateConsents } from './consent-folds';

/** Patients and carers (NHS login) reach record data only at identity proofing level P9. */
export const identityProofedForRecords = (caller: Caller): boolean =>
  (caller.role !== 'patient' && caller.role !== 'carer') || caller.identityProofingLevel === 'P9';

/** The same answer for "no such patient" and "you may not see this patient". */
export const patientNotFound = (): DomainError =>
  new DomainError('patient-not-found', 'no patient with that NHS number is visible to you');

export type AccessAction = AccessEvent['action'];
export type AllowedAccess = Extract<PatientAccess, { allowed: true }>;

/** What a reader was allowed, and under which consents, at one moment. */
export interface ReaderState {
  access: PatientAccess;
  consents: ConsentFacts;
}

export interface OpenedPatient {
  nhsNumber: string;
  viewer: Viewer;
  access: AllowedAccess;
  consents: ConsentFacts;
  /** Records the allowed read in the audit trail; call once the answer is ready. */
  audit(entriesShown: number | null): Promise<void>;
}

/** Whether an entry reaches a reader in one state (see entryDisclosure). */
export const disclosureIn = (
  viewer: Viewer,
  state: ReaderState,
  entry: EntryFacts,
): EntryDisclosure => entryDisclosure(viewer, state.access, entry, state.consents);

/**
 * The stricter of two disclosures (docs/architecture.md, "As at": never more than the reader may see now
 * and could see then): protected in either is protected; left out in either is left out.
 */
export function stricter(a: EntryDisclosure, b: EntryDisclosure): EntryDisclosure {
  if (a === 'protected' || b === 'protected') return 'protected';
  if (a === 'left-out' || b === 'left-out') return 'left-out';
  return 'shown';
}

type RelationshipRaw = {
  organisation: string;
  kind: string;
  started_at: Date;
  recorded_at: Date | null;
  expires_at: Date | null;
  ended_at: Date | null;
  started_by_event_id: string;
};

/**
 * The one way into a patient's data. It decides from relationships, carer approvals and
 * break-glass grants alone, before any record row is read; a refusal is audited and answers
 * exactly as a patient that does not exist.
 */
export class PatientGate {
  private readonly logger = new Logger('PatientGate');

  constructor(
    private readonly readModel: DataSource,
    private readonly grants: BreakGlassGrants,
    private readonly auditTrail: AuditTrail,
  ) {}

  viewerOf(caller: Caller): Viewer {
    return {
      role: caller.role,
      organisation: caller.organisation,
      userId: caller.userId,
      ...(caller.nhsNumber ? { nhsNumber: caller.nhsNumber } : {}),
    };
  }

  private event(
    caller: Caller,
    nhsNumber: string,
    action: AccessAction,
    outcome: 'allowed' | 'denied',
    entriesShown: number | null,
    under: Pick<AccessEvent, 'basis' | 'breakGlass' | 'claim'> = {
      basis: null,
      breakGlass: null,
      claim: null,
    },
  ): AccessEvent {
    return {
      accessId: randomUUID(),
      occurredAt: new Date(),
      actor: { userId: caller.userId, role: caller.role, organisation: caller.organisation },
      nhsNumber,
      action,
      outcome,
      entriesShown,
      ...under,
    };
  }

  /**
   * Audits an access. The chain row is committed before this returns; if only the publish to
   * the audit topic failed, the read still answers (the trail in Postgres is the record).
   */
  async record(event: AccessEvent): Promise<void> {
    try {
      await this.auditTrail.record(event);
    } catch (error) {
      if (!(error instanceof AuditPublishError)) throw error;
      this.logger.warn('access audited in Postgres; publishing it to the audit topic failed');
    }
  }

  /**
   * Refuses with the work of a real decision (the gate's reads, one denied audit row), for a
   * request that names no patient the caller may know of (a task not addressed to them, or
   * none at all: `nhsNumber` null, audited as ''), so that it answers in the same time.
   */
  async refuse(caller: Caller, nhsNumber: string | null, action: AccessAction): Promise<void> {
    await this.stateAt(this.viewerOf(caller), nhsNumber ?? '', new Date(), { asRecorded: false });
    await this.record(this.event(caller, nhsNumber ?? '', action, 'denied', null));
  }

  async open(caller: Caller, requested: string, action: AccessAction): Promise<OpenedPatient> {
    const opened = await this.tryOpen(caller, requested, action);
    if (!opened) throw patientNotFound();
    return opened;
  }

  /**
   * The patient's relationships; with `recorded`, also when carelog learned of each start (from
   * the history, so only for reads already allowed: a refusal touches no record data).
   */
  private async relationships(nhsNumber: string, recorded: boolean): Promise<RelationshipRaw[]> {
    return this.readModel.query<RelationshipRaw[]>(
      recorded
        ? `SELECT r.organisation, r.kind, r.started_at, v.recorded_at, r.expires_at, r.ended_at,
                  r.started_by_event_id
           FROM care_relationship r LEFT JOIN entry_version v ON v.event_id = r.started_by_event_id
           WHERE r.nhs_number = $1`
        : `SELECT organisation, kind, started_at, NULL::timestamptz AS recorded_at, expires_at, ended_at,
                  started_by_event_id
           FROM care_relationship WHERE nhs_number = $1`,
      [nhsNumber],
    );
  }

  /** Consents and the carer's approval in force now (consent_state), or at `until` (the history). */
  private async consentsAt(
    nhsNumber: string,
    until: Date | null,
    carerUserId: string | null,
  ): Promise<GateConsents> {
    return until === null
      ? consentsNow(await readConsentsInForce(this.readModel, nhsNumber), carerUserId)
      : foldConsents(
          await readConsentDecisions(this.readModel, nhsNumber, CONSENT_EVENT_TYPES, until),
          carerUserId,
        );
  }

  /**
   * A patient reading another person's record: whether they hold parental responsibility for
   * that person as a child, the child's date of birth, and the child's own decision about them
   * (the state now; the policy is applied at the moment asked about).
   */
  private async parentalFacts(
    viewer: Viewer,
    nhsNumber: string,
  ): Promise<ParentalFacts | undefined> {
    if (viewer.role !== 'patient' || !viewer.nhsNumber || viewer.nhsNumber === nhsNumber)
      return undefined;
    const [row] = await this.readModel.query<
      Array<{ responsibility: boolean | null; born_at: Date | null; allowed: boolean | null }>
    >(
      `SELECT (SELECT active FROM consent_state WHERE nhs_number = $1 AND subject = $2) AS responsibility,
              (SELECT born_at FROM family_link WHERE nhs_number = $1 AND relation = 'mother' LIMIT 1) AS born_at,
              (SELECT active FROM consent_state WHERE nhs_number = $1 AND subject = $3) AS allowed`,
      [
        nhsNumber,
        consentSubject.parentalResponsibility(viewer.nhsNumber),
        consentSubject.parentalAccess(viewer.nhsNumber),
      ],
    );
    return {
      responsibility: row?.responsibility === true,
      bornAt: row?.born_at ?? null,
      childDecision: row?.allowed === true ? 'allowed' : row?.allowed === false ? 'refused' : null,
    };
  }

  /**
   * What a reader was allowed at `at` (now, or an earlier time for as-at reads and
   * reconstructions): relationships recorded by then and not ended or expired, their
   * break-glass grant then, and the patient's consents and carer approvals as they stood.
   */
  async stateAt(
    viewer: Viewer,
    nhsNumber: string,
    at: Date,
    { asRecorded }: { asRecorded: boolean },
  ): Promise<ReaderState & { breakGlass: { reason: string; expiresAt: Date } | null }> {
    const [relationships, { consents, carerScope }, breakGlass, parental] = await Promise.all([
      this.relationships(nhsNumber, asRecorded),
      this.consentsAt(
        nhsNumber,
        asRecorded ? at : null,
        viewer.role === 'carer' ? viewer.userId : null,
      ),
      this.grants.active(viewer, nhsNumber, at),
      this.parentalFacts(viewer, nhsNumber),
    ]);
    const facts: RelationshipFacts[] = relationships.map((row) => ({
      organisation: row.organisation,
      kind: row.kind,
      // For a past moment, a relationship counts from when carelog knew of it, not from a
      // clinical time it may have been back-dated to.
      ...(asRecorded
        ? {
            startedAt:
              row.recorded_at && row.recorded_at > row.started_at
                ? row.recorded_at
                : row.started_at,
          }
        : {}),
      endedAt: row.ended_at,
      expiresAt: row.expires_at,
    }));
    const access = decidePatientAccess(
      viewer,
      nhsNumber,
      {
        relationships: facts,
        carerScope,
        breakGlass: breakGlass !== null,
        ...(parental ? { parental } : {}),
      },
      at,
    );
    return { access, consents, breakGlass };
  }

  /** The claim a read under a claim is made under: its reason and when it lapses. */
  private async activeClaim(
    nhsNumber: string,
    organisation: string,
    now: Date,
  ): Promise<RelationshipClaim | null> {
    const [row] = await this.readModel.query<Array<{ reason: string; expires_at: Date }>>(
      `SELECT v.payload->>'reason' AS reason, r.expires_at
       FROM care_relationship r JOIN entry_version v ON v.event_id = r.started_by_event_id
       WHERE r.nhs_number = $1 AND r.organisation = $2 AND r.kind = 'claim' AND r.ended_at IS NULL
         AND r.expires_at > $3
       ORDER BY r.expires_at DESC LIMIT 1`,
      [nhsNumber, organisation, now],
    );
    return row ? { reason: row.reason, expiresAt: row.expires_at } : null;
  }

  /** As `open`, but a refusal (audited all the same) answers null instead of throwing. */
  async tryOpen(
    caller: Caller,
    requested: string,
    action: AccessAction,
  ): Promise<OpenedPatient | null> {
    if (!isValidNhsNumber(requested)) {
      await this.record(this.event(caller, requested, action, 'denied', null));
      throw new DomainError(
        'invalid-nhs-number',
        'must be a 10-digit NHS number with a valid check digit',
        'nhsNumber',
      );
    }
    const nhsNumber = requested;
    if (!identityProofedForRecords(caller)) {
      await this.record(this.event(caller, nhsNumber, action, 'denied', null));
      throw new DomainError(
        'identity-proofing-insufficient',
        'reading a record through NHS login needs identity proofing level P9',
        'Authorization',
      );
    }
    const viewer = this.viewerOf(caller);
    const now = new Date();
    const { access, consents, breakGlass } = await this.stateAt(viewer, nhsNumber, now, {
      asRecorded: false,
    });
    if (!access.allowed) {
      await this.record(this.event(caller, nhsNumber, action, 'denied', null));
      return null;
    }
    // Every read is marked with what let the reader in; under break-glass or a claim, with it.
    const claim =
      access.basis === 'claim' ? await this.activeClaim(nhsNumber, caller.organisation, now) : null;
    const under = {
      basis: access.basis,
      breakGlass: access.basis === 'break-glass' ? breakGlass : null,
      claim,
    };
    return {
      nhsNumber,
      viewer,
      access,
      consents,
      audit: (entriesShown) =>
        this.record(this.event(caller, nhsNumber, action, 'allowed', entriesShown, under)),
    };
  }
}
