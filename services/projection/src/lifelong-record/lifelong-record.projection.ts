import type { RecordEntryEvent, RecordEntryEventOf } from '@carelog/codec';
import { rawSetting, setting } from '@carelog/config';
import {
  entryTypeRule,
  FAMILY_CASELOAD,
  isConsentDecisionType,
  isTaskStepType,
  type ConsentDecisionType,
  type TaskStepType,
  isValidNhsNumber,
  consentSubject,
  type RelationshipKind,
} from '@carelog/domain';
import type { PositionedEvent } from '@carelog/kafka';
import type { EntryVersionRow } from '@carelog/read-model';

/** What one event does to the read model, beyond being kept in the history. */
export type Effect =
  | { kind: 'new-entry' }
  | { kind: 'amendment'; amends: string }
  | { kind: 'entered-in-error'; entry: string; reason: string }
  | {
      kind: 'relationship-start';
      organisation: string;
      relationship: string;
      expiresAt: Date | null;
      /** The family's caseload: also for the patient's recorded children born after this time. */
      forChildrenBornAfter?: Date;
    }
  /**
   * Ends the relationship now, or (`graceUntil`) lets it run out then: maternity discharge.
   * `forChildren`: the family's caseload, so for the patient's recorded children too.
   */
  | {
      kind: 'relationship-end';
      organisation: string;
      relationship: string;
      graceUntil?: Date;
      forChildren?: true;
    }
  /**
   * A birth naming the baby's NHS number creates the baby's record: linked both ways with the
   * mother's, the birth mother's parental responsibility, and the family's caseload.
   */
  | { kind: 'birth'; child: string; bornAt: Date; inherits: readonly RelationshipKind[] }
  /** Parental responsibility for the child whose record this is: recorded or ended. */
  | {
      kind: 'parental-responsibility';
      person: string;
      active: boolean;
      detail: Record<string, unknown>;
    }
  | { kind: 'consent'; subject: string; active: boolean; detail: Record<string, unknown> }
  /** A new entry flagged for attention opens a task for the role and organisation it names. */
  | { kind: 'task-flagged' }
  | {
      kind: 'task-acknowledged';
      task: string;
      by: { userId: string; role: string; organisation: string };
    }
  | {
      kind: 'task-escalated';
      task: string;
      level: number;
      to: { role: string; organisation: string };
    };

export interface PlannedEvent {
  /** The event as history: entryId is provisional for amendments and corrections (resolved to the root entry on write). */
  version: EntryVersionRow;
  effects: Effect[];
}

/** How long a midwife's access lasts after a maternity discharge (docs/architecture.md, "Legitimate relationships"). */
/** CARELOG_MATERNITY_DISCHARGE_GRACE_HOURS, or the text given, as libs/config reads it. */
export const maternityDischargeGraceHours = (
  value = rawSetting('CARELOG_MATERNITY_DISCHARGE_GRACE_HOURS'),
): number =>
  setting('CARELOG_MATERNITY_DISCHARGE_GRACE_HOURS', {
    CARELOG_MATERNITY_DISCHARGE_GRACE_HOURS: value,
  });

/**
 * A payload's string field named by data (an entry type rule's `organisationField`), or '' when
 * the type has no such string field: the only payload read here that is not through a type.
 */
const textField = (payload: object, field: string): string => {
  const value: unknown = Object.entries(payload).find(([name]) => name === field)?.[1];
  return typeof value === 'string' ? value : '';
};

/** Every event whose type is in one of the lists, narrowed so its payload has its schema's type. */
const isOneOf = <T extends RecordEntryEvent['type']>(
  event: RecordEntryEvent,
  is: (type: string) => type is T,
): event is RecordEntryEventOf<T> => is(event.type);

/** A switch that has handled every type it can be given: a type added to its list fails here. */
const unhandled = (_event: never): never => {
  throw new Error('an entry type in the list has no effect declared');
};

/** The consent decision an event records, as state keyed by subject. */
function consentEffect(event: RecordEntryEventOf<ConsentDecisionType>): Effect {
  switch (event.type) {
    case 'OptOutRecorded':
      return {
        kind: 'consent',
        subject: consentSubject.optOut(event.payload.optOutType),
        active: event.payload.effective,
        detail: {},
      };
    case 'OptOutWithdrawn':
      return {
        kind: 'consent',
        subject: consentSubject.optOut(event.payload.optOutType),
        active: false,
        detail: {},
      };
    case 'EntrySealed':
    case 'EntryUnsealed': {
      const { entryEventId, sealedFrom } = event.payload;
      return {
        kind: 'consent',
        subject: consentSubject.seal(entryEventId, sealedFrom.kind, sealedFrom.value),
        active: event.type === 'EntrySealed',
        detail: { entryEventId, sealedFrom },
      };
    }
    case 'CarerApproved':
      return {
        kind: 'consent',
        subject: consentSubject.carer(event.payload.carerUserId),
        active: true,
        detail: event.payload,
      };
    case 'CarerRevoked':
      return {
        kind: 'consent',
        subject: consentSubject.carer(event.payload.carerUserId),
        active: false,
        detail: event.payload,
      };
    case 'ParentalAccessDecided': {
      const { parentNhsNumber, decision } = event.payload;
      return {
        kind: 'consent',
        subject: consentSubject.parentalAccess(parentNhsNumber),
        active: decision === 'allowed',
        detail: { parentNhsNumber, decision },
      };
    }
    case 'SensitiveInformationShared':
      return {
        kind: 'consent',
        subject: consentSubject.share(event.payload.category, event.payload.sharedWithOrganisation),
        active: true,
        detail: event.payload,
      };
    default:
      return unhandled(event);
  }
}

const YEAR_MS = 365.25 * 24 * 3_600_000;

/** What a birth or a parental responsibility entry does for the child's record, if anything. */
function childrenEffect(event: RecordEntryEvent): Effect | undefined {
  switch (event.type) {
    case 'BirthRecorded': {
      const { babyNhsNumber: child, birthTime: bornAt } = event.payload;
      // A version 1 birth may name no baby; the producers refuse one naming the mother herself.
      if (child === null || !isValidNhsNumber(child) || child === event.patient.nhsNumber)
        return undefined;
      return { kind: 'birth', child, bornAt, inherits: FAMILY_CASELOAD.inheritedAtBirth };
    }
    case 'ParentalResponsibilityRecorded': {
      const { personNhsNumber, relationshipToChild, basis } = event.payload;
      return {
        kind: 'parental-responsibility',
        person: personNhsNumber,
        active: true,
        detail: { personNhsNumber, relationshipToChild, basis },
      };
    }
    case 'ParentalResponsibilityEnded': {
      const { personNhsNumber } = event.payload;
      return {
        kind: 'parental-responsibility',
        person: personNhsNumber,
        active: false,
        detail: { personNhsNumber },
      };
    }
    default:
      return undefined;
  }
}

/** An acknowledgement or escalation: a change to the task of the entry it names. */
function taskStepEffect(event: RecordEntryEventOf<TaskStepType>): Effect {
  switch (event.type) {
    case 'AttentionAcknowledged': {
      const { userId, role, organisation } = event.author;
      return {
        kind: 'task-acknowledged',
        task: event.payload.entryEventId,
        by: { userId, role, organisation },
      };
    }
    case 'AttentionEscalated': {
      const { entryEventId, level, escalatedTo } = event.payload;
      return {
        kind: 'task-escalated',
        task: entryEventId,
        level,
        to: { role: escalatedTo.role, organisation: escalatedTo.organisation },
      };
    }
    default:
      return unhandled(event);
  }
}

/**
 * Pure: what each event of an ordered batch means for the read model. Every event is kept
 * as a version; an entry adds to the record; an amendment replaces its entry's current
 * version; EntryEnteredInError takes its entry out of the record; relationship and consent
 * events change the state the access rules read; an entry flagged for attention opens a task,
 * which acknowledgements and escalations move on.
 */
export function planEvents(
  events: readonly PositionedEvent[],
  graceHours = maternityDischargeGraceHours(),
): PlannedEvent[] {
  return events.map(({ event, position }) => {
    const rule = entryTypeRule(event.type);
    const effects: Effect[] = [];
    let entryId = event.eventId;
    if (event.type === 'EntryEnteredInError') {
      entryId = event.payload.entryEventId;
      effects.push({ kind: 'entered-in-error', entry: entryId, reason: event.payload.reason });
    } else if (event.supersedes) {
      entryId = event.supersedes.eventId;
      effects.push({ kind: 'amendment', amends: event.supersedes.eventId });
    } else if (isOneOf(event, isConsentDecisionType)) {
      effects.push(consentEffect(event));
    } else if (isOneOf(event, isTaskStepType)) {
      effects.push(taskStepEffect(event));
    } else {
      effects.push({ kind: 'new-entry' });
      if (event.attention) effects.push({ kind: 'task-flagged' });
      const children = childrenEffect(event);
      if (children) effects.push(children);
    }
    const organisation = rule?.relationship?.organisationField
      ? textField(event.payload, rule.relationship.organisationField)
      : event.source.organisation;
    // An entry that may name an organisation but names none (a prescription sent to no
    // nominated pharmacy) starts or ends nothing.
    if (rule?.relationship && !event.supersedes && organisation !== '') {
      const hours = rule.relationship.expiresAfterHours;
      // A claim lapses when the claim said, fixed when it was made, so a replay gives the same.
      const claimExpiry =
        rule.relationship.kind === 'claim' && event.type === 'RelationshipClaimed'
          ? event.payload.expiresAt
          : undefined;
      const kind = rule.relationship.kind;
      const childrenUnder = FAMILY_CASELOAD.startsForChildrenUnder[kind];
      effects.push(
        rule.relationship.effect === 'starts'
          ? {
              kind: 'relationship-start',
              organisation,
              relationship: kind,
              expiresAt: claimExpiry
                ? claimExpiry
                : hours === undefined
                  ? null
                  : new Date(event.occurredAt.getTime() + hours * 3_600_000),
              ...(childrenUnder === undefined
                ? {}
                : {
                    forChildrenBornAfter: new Date(
                      event.occurredAt.getTime() - childrenUnder * YEAR_MS,
                    ),
                  }),
            }
          : {
              kind: 'relationship-end',
              organisation,
              relationship: kind,
              ...(rule.relationship.afterGrace
                ? { graceUntil: new Date(event.occurredAt.getTime() + graceHours * 3_600_000) }
                : {}),
              ...(FAMILY_CASELOAD.inheritedAtBirth.includes(kind) ? { forChildren: true } : {}),
            },
      );
    }
    return {
      version: {
        eventId: event.eventId,
        entryId,
        nhsNumber: event.patient.nhsNumber,
        entryType: event.type,
        domain: position.topic.split('.')[1] ?? 'unknown',
        schemaVersion: event.schemaVersion,
        occurredAt: event.occurredAt,
        recordedAt: event.recordedAt,
        source: event.source,
        author: event.author,
        sensitivity: event.sensitivity,
        attention: event.attention,
        payload: event.payload,
        supersedesReason: event.supersedes?.reason ?? null,
        correlationId: event.correlationId,
        topic: position.topic,
        partition: position.partition,
        offset: position.offset,
      },
      effects,
    };
  });
}
