import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { AuditPublishError, type AccessEvent, type AuditTrail } from '@carelog/audit';
import type { Caller } from '@carelog/auth';
import {
  decidePatientAccess,
  DomainError,
  isValidNhsNumber,
  type ConsentFacts,
  type PatientAccess,
  type Viewer,
} from '@carelog/domain';
import { CareRelationshipRow, ConsentStateRow } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { BreakGlassGrants } from '../break-glass/break-glass-grants';

/** Patients and carers (NHS login) reach record data only at identity proofing level P9. */
export const identityProofedForRecords = (caller: Caller): boolean =>
  (caller.role !== 'patient' && caller.role !== 'carer') || caller.identityProofingLevel === 'P9';

/** The same answer for "no such patient" and "you may not see this patient". */
export const patientNotFound = (): DomainError =>
  new DomainError('patient-not-found', 'no patient with that NHS number is visible to you');

export type AccessAction = AccessEvent['action'];

export interface OpenedPatient {
  nhsNumber: string;
  viewer: Viewer;
  access: Extract<PatientAccess, { allowed: true }>;
  consents: ConsentFacts;
  /** Records the allowed read in the audit trail; call once the answer is ready. */
  audit(entriesShown: number | null): Promise<void>;
}

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
  ): AccessEvent {
    return {
      accessId: randomUUID(),
      occurredAt: new Date(),
      actor: { userId: caller.userId, role: caller.role, organisation: caller.organisation },
      nhsNumber,
      action,
      outcome,
      entriesShown,
      breakGlass: null,
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

  async open(caller: Caller, requested: string, action: AccessAction): Promise<OpenedPatient> {
    const opened = await this.tryOpen(caller, requested, action);
    if (!opened) throw patientNotFound();
    return opened;
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
    const now = new Date();
    const [relationships, consentRows, breakGlass] = await Promise.all([
      this.readModel.getRepository(CareRelationshipRow).find({ where: { nhsNumber } }),
      this.readModel.getRepository(ConsentStateRow).find({ where: { nhsNumber, active: true } }),
      this.grants.active(caller.userId, caller.organisation, nhsNumber, now),
    ]);
    const carer =
      caller.role === 'carer'
        ? consentRows.find((row) => row.subject === `carer:${caller.userId}`)
        : undefined;
    const carerScope =
      carer && Array.isArray(carer.detail['scope']) ? (carer.detail['scope'] as string[]) : null;
    const viewer = this.viewerOf(caller);
    const access = decidePatientAccess(
      viewer,
      nhsNumber,
      { relationships, carerScope, breakGlass },
      now,
    );
    if (!access.allowed) {
      await this.record(this.event(caller, nhsNumber, action, 'denied', null));
      return null;
    }
    const consents: ConsentFacts = {
      seals: consentRows
        .filter((row) => row.subject.startsWith('seal:'))
        .map((row) => {
          const sealedFrom = (row.detail['sealedFrom'] ?? {}) as Record<string, unknown>;
          return {
            entryEventId: String(row.detail['entryEventId']),
            kind: String(sealedFrom['kind']),
            value: String(sealedFrom['value']),
          };
        }),
      shares: consentRows
        .filter((row) => row.subject.startsWith('share:'))
        .map((row) => ({
          category: String(row.detail['category']),
          organisation: String(row.detail['sharedWithOrganisation']),
        })),
    };
    return {
      nhsNumber,
      viewer,
      access,
      consents,
      audit: (entriesShown) =>
        this.record(this.event(caller, nhsNumber, action, 'allowed', entriesShown)),
    };
  }
}
