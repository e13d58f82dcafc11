import type { EntryTypeName } from '../generated/entry-type-names';
import { isAbnormalInterpretation } from '../boundary/vocabularies';
import type { ViewRole } from '../roles';
import { sectionOf, type SectionName } from './journal-sections';
import { ROUTINE_TYPES, type RoutineType } from './routine-summaries';

export { SECTIONS, SECTION_NAMES, sectionOf, type SectionName } from './journal-sections';

/**
 * A journal view, declared as data (docs/architecture.md, "Journal views"): sections whose entries run
 * in the main narrative, sections shown as their own journal sections, and entry types that
 * are routine for this reader and so summarised into digest lines. Every other type is left
 * out of the view. Whatever an always-show rule (below) picks out is shown regardless.
 */
export interface JournalView {
  narrative: readonly SectionName[];
  sections: readonly SectionName[];
  /** Routine types summarised per period; each has its summariser in routine-summaries.ts. */
  digest: readonly RoutineType[];
  /**
   * Sections this view leaves out on purpose. Every section is in exactly one of narrative,
   * sections and omitted (journal-views.spec.ts), so a new section makes every view decide.
   */
  omitted: readonly SectionName[];
}

const ROUTINE = ROUTINE_TYPES;

export const JOURNAL_VIEWS: Record<ViewRole, JournalView> = {
  gp: {
    narrative: ['gp', 'results', 'medicines', 'urgent-care', 'care-relationships'],
    sections: [
      'social-care',
      'maternity',
      'health-visiting',
      'patient-contributions',
      'community-nursing',
      'pharmacy',
    ],
    digest: ROUTINE,
    omitted: [],
  },
  'practice-nurse': {
    narrative: ['gp', 'results', 'medicines', 'urgent-care', 'care-relationships'],
    sections: [
      'social-care',
      'patient-contributions',
      'maternity',
      'health-visiting',
      'community-nursing',
      'pharmacy',
    ],
    digest: ROUTINE,
    omitted: [],
  },
  'community-nurse': {
    narrative: [
      'gp',
      'medicines',
      'results',
      'patient-contributions',
      'urgent-care',
      'community-nursing',
    ],
    sections: ['social-care', 'care-relationships', 'pharmacy'],
    // Home readings too: a digest gives the range, mean and readings over threshold (#15).
    // Their own visits stay entries: the team reads its own notes, not a count of them.
    digest: ROUTINE.filter((type) => type !== 'DistrictNursingVisitRecorded'),
    omitted: ['maternity', 'health-visiting'],
  },
  'social-worker': {
    narrative: ['social-care', 'care-relationships'],
    sections: ['urgent-care', 'patient-contributions', 'community-nursing'],
    digest: ['CareVisitRecorded', 'HomeReadingRecorded', 'WearableSummaryRecorded'],
    omitted: ['gp', 'medicines', 'results', 'maternity', 'health-visiting', 'pharmacy'],
  },
  'care-worker': {
    narrative: ['social-care'],
    // What the nurses do in the home (dressings, catheter, end-of-life plan) shapes care visits.
    sections: ['medicines', 'community-nursing'],
    digest: ['MedicationIssued'],
    omitted: [
      'care-relationships',
      'gp',
      'results',
      'maternity',
      'health-visiting',
      'urgent-care',
      'patient-contributions',
      'pharmacy',
    ],
  },
  midwife: {
    narrative: ['maternity', 'health-visiting'],
    sections: ['gp', 'medicines', 'results', 'urgent-care', 'care-relationships'],
    digest: ['MedicationIssued'],
    omitted: ['social-care', 'patient-contributions', 'community-nursing', 'pharmacy'],
  },
  'health-visitor': {
    narrative: ['health-visiting', 'maternity'],
    sections: ['gp', 'social-care', 'urgent-care', 'care-relationships'],
    digest: ['CareVisitRecorded'],
    omitted: ['medicines', 'results', 'patient-contributions', 'community-nursing', 'pharmacy'],
  },
  'urgent-care': {
    narrative: ['gp', 'medicines', 'results', 'urgent-care'],
    sections: [
      'social-care',
      'care-relationships',
      'patient-contributions',
      'maternity',
      // Anticipatory medicines and the resuscitation decision matter most out of hours.
      'community-nursing',
      'pharmacy',
    ],
    digest: ROUTINE,
    omitted: ['health-visiting'],
  },
  pharmacist: {
    narrative: ['medicines', 'pharmacy'],
    sections: ['results', 'urgent-care'],
    digest: [],
    omitted: [
      'care-relationships',
      'gp',
      'social-care',
      'maternity',
      'health-visiting',
      'patient-contributions',
      'community-nursing',
    ],
  },
  patient: {
    narrative: [
      'gp',
      'results',
      'medicines',
      'urgent-care',
      'social-care',
      'maternity',
      'health-visiting',
      'patient-contributions',
      'community-nursing',
      'pharmacy',
    ],
    sections: ['care-relationships'],
    digest: ROUTINE,
    omitted: [],
  },
  carer: {
    narrative: ['social-care', 'medicines', 'patient-contributions', 'community-nursing'],
    sections: [],
    // Every routine type: a carer reads what the readings and issues amount to (#15).
    digest: ROUTINE,
    // A Pharmacy First consultation is clinical detail; what was supplied shows in medicines.
    omitted: [
      'care-relationships',
      'gp',
      'results',
      'maternity',
      'health-visiting',
      'urgent-care',
      'pharmacy',
    ],
  },
};

/** Roles trained to see safeguarding entries (docs/architecture.md, "Access rules"). */
export const SAFEGUARDING_TRAINED: readonly ViewRole[] = [
  'gp',
  'social-worker',
  'community-nurse',
  'health-visitor',
  'midwife',
];
const CLINICAL: readonly ViewRole[] = [
  'gp',
  'practice-nurse',
  'community-nurse',
  'midwife',
  'health-visitor',
  'urgent-care',
  'pharmacist',
];

/** The facts about an entry that the journal and the access rules look at. */
export interface EntryFacts {
  eventId: string;
  entryType: EntryTypeName;
  occurredAt: Date;
  sensitivity: readonly string[];
  attention: { role: string; organisation: string; reason: string | null } | null;
  payload: Record<string, unknown>;
  source: { organisation: string };
}

export interface AlwaysShowRule {
  name: string;
  /** The roles it concerns. */
  roles: readonly ViewRole[];
  /**
   * Every payload field `applies` reads: the read model keeps these (RULE_PAYLOAD_FIELDS) beside
   * each entry so that a count over a whole record can decide groups of entries by this rule.
   */
  payloadFields?: readonly string[];
  applies(entry: EntryFacts, viewer: { role: ViewRole; organisation: string }): boolean;
}

/**
 * What is never buried, for the roles it concerns: an entry flagged for their attention, an
 * abnormal result, a safeguarding concern, a change of care plan, a care visit that raised
 * a concern, a wound getting worse or infected, end-of-life care.
 */
export const ALWAYS_SHOW: readonly AlwaysShowRule[] = [
  {
    name: 'flagged-for-attention',
    roles: Object.keys(JOURNAL_VIEWS) as ViewRole[],
    applies: (entry, viewer) =>
      entry.attention?.role === viewer.role && entry.attention.organisation === viewer.organisation,
  },
  {
    name: 'abnormal-result',
    roles: [...CLINICAL, 'patient'],
    payloadFields: ['interpretation'],
    applies: (entry) =>
      entry.entryType === 'TestResultRecorded' &&
      isAbnormalInterpretation(entry.payload['interpretation']),
  },
  {
    name: 'safeguarding',
    roles: SAFEGUARDING_TRAINED,
    applies: (entry) =>
      entry.entryType === 'SafeguardingConcernRaised' || entry.sensitivity.includes('safeguarding'),
  },
  {
    name: 'care-plan-changed',
    roles: [
      'gp',
      'practice-nurse',
      'community-nurse',
      'social-worker',
      'care-worker',
      'health-visitor',
      'patient',
      'carer',
    ],
    applies: (entry) => entry.entryType === 'CarePlanChanged',
  },
  {
    name: 'care-visit-concern',
    roles: ['gp', 'practice-nurse', 'community-nurse', 'social-worker', 'care-worker'],
    payloadFields: ['concernsRaised'],
    applies: (entry) =>
      entry.entryType === 'CareVisitRecorded' && entry.payload['concernsRaised'] === true,
  },
  {
    // A wound getting worse or infected is never folded into "redressed, no change".
    name: 'wound-concern',
    roles: ['gp', 'practice-nurse', 'community-nurse'],
    payloadFields: ['progress', 'signsOfInfection'],
    applies: (entry) =>
      entry.entryType === 'WoundCareRecorded' &&
      (entry.payload['progress'] === 'deteriorating' || entry.payload['signsOfInfection'] === true),
  },
  {
    // Anticipatory medicines, preferred place of death, ReSPECT / DNACPR: whoever is called out.
    name: 'end-of-life-care',
    roles: ['gp', 'practice-nurse', 'community-nurse', 'urgent-care'],
    applies: (entry) => entry.entryType === 'EndOfLifeCareRecorded',
  },
];

/**
 * The payload fields any always-show rule reads, and so all that the access rules read of a
 * payload (entryDisclosure reads it only through these rules): an entry's facts with its payload
 * cut down to these fields are decided exactly as the entry itself.
 */
export const RULE_PAYLOAD_FIELDS: readonly string[] = [
  ...new Set(ALWAYS_SHOW.flatMap((rule) => rule.payloadFields ?? [])),
].sort();

export function alwaysShowReasons(
  entry: EntryFacts,
  viewer: { role: ViewRole; organisation: string },
): string[] {
  return ALWAYS_SHOW.filter(
    (rule) => rule.roles.includes(viewer.role) && rule.applies(entry, viewer),
  ).map((rule) => rule.name);
}

/** How a view treats an entry type, before any always-show rule. */
export function treatmentIn(
  view: JournalView,
  entryType: string,
): 'narrative' | 'section' | 'digest' | 'omit' {
  const section = sectionOf(entryType);
  if (!section) return 'omit';
  const included = view.narrative.includes(section) || view.sections.includes(section);
  if (!included) return 'omit';
  if (view.digest.some((routine) => routine === entryType)) return 'digest';
  return view.narrative.includes(section) ? 'narrative' : 'section';
}
