import type { EntryTypeName } from '../generated/entry-type-names';

/**
 * A medicine's whole life (docs/architecture.md, "Event contract"): prescribed, issued, dispensed, changed,
 * stopped, linked by the stable `medicationId` of the course. Pure: the state is a fold over
 * the medicine entries a reader may see, in clinical order, so it does not depend on the order
 * in which the GP and pharmacy topics happened to be read.
 */

/** The entry types a medicine's life is made of. */
export const MEDICINE_ENTRY_TYPES = [
  'MedicationPrescribed',
  'MedicationIssued',
  'MedicineDispensed',
  'MedicationChanged',
  'MedicationStopped',
] as const satisfies readonly EntryTypeName[];
export type MedicineEntryType = (typeof MEDICINE_ENTRY_TYPES)[number];

export const isMedicineEntryType = (type: string): type is MedicineEntryType =>
  (MEDICINE_ENTRY_TYPES as readonly string[]).includes(type);

/** One medicine entry, as the read model holds it. */
export interface MedicineEntry {
  eventId: string;
  entryType: MedicineEntryType;
  occurredAt: Date;
  payload: Record<string, unknown>;
  source: { organisation: string };
}

export interface CodedMedicine {
  system: string;
  code: string;
  display: string;
}

/** Where the latest prescription of a medicine stands. */
export type PrescriptionStage = 'prescribed' | 'issued' | 'dispensed';

export interface LatestPrescription {
  stage: PrescriptionStage;
  prescribedEventId: string | null;
  prescribedAt: string | null;
  issuedEventId: string | null;
  issuedAt: string | null;
  /** The pharmacy the issue was sent to, if the patient nominated one. */
  nominatedPharmacy: string | null;
  dispensedEventId: string | null;
  dispensedAt: string | null;
  /** ODS code of the pharmacy that dispensed it. */
  dispensedBy: string | null;
}

export interface MedicineHistoryItem {
  eventId: string;
  type: MedicineEntryType;
  occurredAt: string;
  organisation: string;
  /** Dose or instructions as of this entry, where it gives them. */
  dosageInstructions: string | null;
  /** Why it was changed or stopped, as written. */
  reason: string | null;
}

export interface MedicineState {
  medicationId: string;
  medication: CodedMedicine | null;
  dosageInstructions: string | null;
  status: 'current' | 'stopped';
  latestPrescription: LatestPrescription | null;
  stopped: { at: string; reason: string } | null;
  history: MedicineHistoryItem[];
}

export interface MedicinesState {
  medicines: ReadonlyMap<string, MedicineState>;
  /** Issue and prescription event ids to the course they belong to (dispensings name them). */
  courseOf: ReadonlyMap<string, string>;
}

export const NO_MEDICINES: MedicinesState = { medicines: new Map(), courseOf: new Map() };

const text = (payload: Record<string, unknown>, field: string): string | null => {
  const value = payload[field];
  return typeof value === 'string' && value !== '' ? value : null;
};

const coded = (payload: Record<string, unknown>, field: string): CodedMedicine | null => {
  const value = payload[field];
  if (!value || typeof value !== 'object') return null;
  const { system, code, display } = value as Record<string, unknown>;
  return typeof system === 'string' && typeof code === 'string' && typeof display === 'string'
    ? { system, code, display }
    : null;
};

/**
 * The course an entry belongs to: its `medicationId`; else the course of the prescription or
 * issue it names; else (entries written before medicine ids) the current course of the same
 * dm+d code; a prescription with none of these starts a course of its own id.
 */
function courseOf(state: MedicinesState, entry: MedicineEntry): string | undefined {
  const own = text(entry.payload, 'medicationId');
  if (own) return own;
  const named = text(entry.payload, 'prescriptionEventId');
  const linked = named ? state.courseOf.get(named) : undefined;
  if (linked) return linked;
  if (entry.entryType === 'MedicationPrescribed') return entry.eventId;
  const code = coded(entry.payload, 'medication')?.code;
  return [...state.medicines.values()].find(
    (medicine) => medicine.status === 'current' && medicine.medication?.code === code,
  )?.medicationId;
}

const freshPrescription = (): LatestPrescription => ({
  stage: 'prescribed',
  prescribedEventId: null,
  prescribedAt: null,
  issuedEventId: null,
  issuedAt: null,
  nominatedPharmacy: null,
  dispensedEventId: null,
  dispensedAt: null,
  dispensedBy: null,
});

/** Pure: one medicine entry applied to the patient's medicines. */
export function evolveMedicines(state: MedicinesState, entry: MedicineEntry): MedicinesState {
  const id = courseOf(state, entry);
  // An entry that names no course we can find (an old issue of a medicine this reader never
  // saw prescribed) stays in the record but makes no medicine of its own.
  if (id === undefined) return state;
  const at = entry.occurredAt.toISOString();
  const { payload } = entry;
  const before: MedicineState = state.medicines.get(id) ?? {
    medicationId: id,
    medication: null,
    dosageInstructions: null,
    status: 'current',
    latestPrescription: null,
    stopped: null,
    history: [],
  };
  const history: MedicineHistoryItem = {
    eventId: entry.eventId,
    type: entry.entryType,
    occurredAt: at,
    organisation: entry.source.organisation,
    dosageInstructions: text(payload, 'dosageInstructions'),
    reason: text(payload, 'reason'),
  };
  const next: MedicineState = {
    ...before,
    medication: coded(payload, 'medication') ?? before.medication,
    history: [...before.history, history],
  };
  const courses = new Map(state.courseOf);
  courses.set(entry.eventId, id);
  const prescription = before.latestPrescription ?? freshPrescription();
  switch (entry.entryType) {
    case 'MedicationPrescribed':
      // A new prescription of the course (re-authorised, or restarted after a stop).
      next.status = 'current';
      next.stopped = null;
      next.dosageInstructions = text(payload, 'dosageInstructions');
      next.latestPrescription = {
        ...freshPrescription(),
        prescribedEventId: entry.eventId,
        prescribedAt: at,
      };
      break;
    case 'MedicationIssued':
      next.latestPrescription = {
        ...freshPrescription(),
        prescribedEventId: prescription.prescribedEventId,
        prescribedAt: prescription.prescribedAt,
        stage: 'issued',
        issuedEventId: entry.eventId,
        issuedAt: at,
        nominatedPharmacy: text(payload, 'nominatedPharmacy'),
      };
      break;
    case 'MedicineDispensed': {
      const fulfils = text(payload, 'prescriptionEventId');
      // Only the dispensing of the latest prescription moves it on; an older one is history.
      if (
        fulfils === null ||
        fulfils === prescription.issuedEventId ||
        fulfils === prescription.prescribedEventId
      )
        next.latestPrescription = {
          ...prescription,
          stage: 'dispensed',
          dispensedEventId: entry.eventId,
          dispensedAt: at,
          dispensedBy: entry.source.organisation,
        };
      break;
    }
    case 'MedicationChanged':
      next.dosageInstructions = text(payload, 'dosageInstructions') ?? before.dosageInstructions;
      break;
    case 'MedicationStopped':
      next.status = 'stopped';
      next.stopped = { at, reason: text(payload, 'reason') ?? '' };
      break;
  }
  const medicines = new Map(state.medicines);
  medicines.set(id, next);
  return { medicines, courseOf: courses };
}

/** Clinical order, then event id: the same answer whatever order the entries were read in. */
const clinicalOrder = (a: MedicineEntry, b: MedicineEntry): number =>
  a.occurredAt.getTime() - b.occurredAt.getTime() || (a.eventId < b.eventId ? -1 : 1);

/**
 * The patient's current medicines, each with where its latest prescription stands, and the
 * stopped ones with their reason; every medicine keeps its history.
 */
export function currentMedicines(entries: readonly MedicineEntry[]): {
  current: MedicineState[];
  stopped: MedicineState[];
} {
  const state = [...entries].sort(clinicalOrder).reduce(evolveMedicines, NO_MEDICINES);
  const byName = (a: MedicineState, b: MedicineState) =>
    (a.medication?.display ?? '').localeCompare(b.medication?.display ?? '') ||
    a.medicationId.localeCompare(b.medicationId);
  const all = [...state.medicines.values()].sort(byName);
  return {
    current: all.filter((medicine) => medicine.status === 'current'),
    stopped: all.filter((medicine) => medicine.status === 'stopped'),
  };
}
