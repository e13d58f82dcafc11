import type { RecordEntryEventFields } from '@carelog/codec';
import {
  decidePatientAccess,
  entryTypeNamed,
  isRole,
  isStaffRole,
  mayViewEntry,
  type ConsentFacts,
  type EntryFacts,
  type RelationshipFacts,
  type Role,
} from '@carelog/domain';

export type NotificationReason = 'entry-type' | 'attention';

/** An identity that has asked to be notified: through a webhook or the event stream. */
export interface Subscriber {
  userId: string;
  role: string;
  organisation: string;
}

/** A patient's approval of a carer, as the read model holds it (consent subject `carer:<userId>`). */
export interface CarerApproval {
  scope: readonly string[];
  /** The patient's choice whether this carer is told of changes; absent means yes. */
  notify: boolean;
}

/** The read-model state the access rules need about one patient, as it stands now. */
export interface PatientState {
  relationships: readonly RelationshipFacts[];
  /** Active approvals only, by carer user id. */
  carers: ReadonlyMap<string, CarerApproval>;
  consents: ConsentFacts;
}

/** An entry as far as deciding its notifications needs it; the payload never leaves this step. */
export interface NotifiableEntry extends EntryFacts {
  nhsNumber: string;
  recordedAt: Date;
  /** The entry a correction belongs to: the id to read it by on the record API. */
  entryId: string;
}

export interface Recipient {
  subscriber: Subscriber & { role: Role };
  reason: NotificationReason;
}

/**
 * Whom an event asks to act: an entry's own attention flag or, for an escalated task, the role
 * and organisation it escalated to (the record API's task escalator writes AttentionEscalated).
 */
export function attentionOf(
  event: RecordEntryEventFields<'attention' | 'payload'>,
): EntryFacts['attention'] {
  if (event.type !== 'AttentionEscalated') return event.attention;
  const { escalatedTo } = event.payload;
  // Always there in a decoded event; checked so that an event built by hand tells no one.
  if (typeof escalatedTo?.role !== 'string' || typeof escalatedTo.organisation !== 'string')
    return null;
  return {
    role: escalatedTo.role,
    organisation: escalatedTo.organisation,
    reason: 'escalated: not acknowledged in time',
  };
}

/** The entry an event is about, to read it by: an escalation names its flagged entry. */
export function subjectEntryOf(
  event: RecordEntryEventFields<'eventId' | 'supersedes' | 'payload'>,
): string {
  if (event.type === 'AttentionEscalated') return event.payload.entryEventId;
  return event.supersedes?.eventId ?? event.eventId;
}

/** Why an entry notifies anyone at all, before looking at who: cheap, so most events stop here. */
export function notifiableReasons(
  entry: Pick<EntryFacts, 'entryType' | 'attention'>,
  notifyEntryTypes: ReadonlySet<string>,
): NotificationReason[] {
  const reasons: NotificationReason[] = [];
  if (notifyEntryTypes.has(entry.entryType)) reasons.push('entry-type');
  if (entry.attention) reasons.push('attention');
  return reasons;
}

/** Staff who act for an organisation and read records: not patients, carers or privacy officers. */
const careTeamRole = (role: Role): boolean => isStaffRole(role) && role !== 'privacy-officer';

function reasonFor(
  subscriber: Subscriber & { role: Role },
  entry: NotifiableEntry,
  reasons: readonly NotificationReason[],
  state: PatientState,
): NotificationReason | undefined {
  const named =
    reasons.includes('attention') &&
    entry.attention?.role === subscriber.role &&
    entry.attention.organisation === subscriber.organisation;
  if (named) return 'attention';
  if (!reasons.includes('entry-type')) return undefined;
  if (subscriber.role === 'carer')
    return state.carers.get(subscriber.userId)?.notify === true ? 'entry-type' : undefined;
  return careTeamRole(subscriber.role) ? 'entry-type' : undefined;
}

/**
 * Pure: which subscribers are told of an entry, and why. Deny by default: a subscriber is
 * told only if a reason concerns them (a configured entry type for approved carers and the
 * care team, or an attention flag naming exactly their role and organisation) and the
 * domain's access rules let them read the entry now. Break-glass never notifies: it opens
 * one emergency read, not a standing feed.
 */
export function recipientsOf(
  entry: NotifiableEntry,
  reasons: readonly NotificationReason[],
  subscribers: readonly Subscriber[],
  state: PatientState,
  now: Date,
): Recipient[] {
  const recipients: Recipient[] = [];
  for (const candidate of subscribers) {
    const role = candidate.role;
    if (!isRole(role)) continue;
    const subscriber = { ...candidate, role };
    const reason = reasonFor(subscriber, entry, reasons, state);
    if (!reason) continue;
    const viewer = { role, organisation: subscriber.organisation, userId: subscriber.userId };
    const access = decidePatientAccess(
      viewer,
      entry.nhsNumber,
      {
        relationships: state.relationships,
        carerScope: role === 'carer' ? (state.carers.get(subscriber.userId)?.scope ?? null) : null,
        breakGlass: false,
      },
      now,
    );
    if (mayViewEntry(viewer, access, entry, state.consents))
      recipients.push({ subscriber, reason });
  }
  return recipients;
}

/** What a stored notification keeps of its entry so that access can be decided again later. */
export interface StoredEntryFacts {
  sensitivity: string[];
  sourceOrganisation: string;
  attention: { role: string; organisation: string; reason: string | null } | null;
}

export const storedFactsOf = (entry: NotifiableEntry): StoredEntryFacts => ({
  sensitivity: [...entry.sensitivity],
  sourceOrganisation: entry.source.organisation,
  attention: entry.attention,
});

/**
 * Pure: whether a subscriber told (or about to be told) of an entry still may be, by the same
 * decision as `recipientsOf` against the patient's state now. A revoked carer, an ended care
 * relationship or a new seal withdraws it. The payload is not kept, so rules that only ever
 * add visibility from it (an abnormal result, a visit that raised a concern) are not counted:
 * the re-check can only be stricter than the first decision.
 */
export function mayStillBeTold(
  subscriber: Subscriber,
  notification: {
    nhsNumber: string;
    eventId: string;
    entryType: string;
    occurredAt: Date;
    reason: NotificationReason;
    facts: StoredEntryFacts;
  },
  state: PatientState,
  now: Date,
): boolean {
  const entry: NotifiableEntry = {
    eventId: notification.eventId,
    entryId: notification.eventId,
    nhsNumber: notification.nhsNumber,
    entryType: entryTypeNamed(notification.entryType),
    occurredAt: notification.occurredAt,
    recordedAt: notification.occurredAt,
    sensitivity: notification.facts.sensitivity,
    attention: notification.facts.attention,
    payload: {},
    source: { organisation: notification.facts.sourceOrganisation },
  };
  return recipientsOf(entry, [notification.reason], [subscriber], state, now).length === 1;
}
