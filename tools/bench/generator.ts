import {
  loadEventCodec,
  readExample,
  schemasDir,
  type UncheckedRecordEntryEvent,
} from '@carelog/codec';
import { entryTypeRule, type SourceDomain } from '@carelog/domain';
import { datedBefore, testNhsNumber } from '@carelog/testing';
import { SeededRandom } from './random';

/**
 * Synthetic record-entry events for the benchmark: patients across the four settings (and
 * their own contributions) with a realistic mix. Most entries are routine care visits and
 * medication issues, fewer are consultations and results; a few are sensitive, sealed,
 * amended or entered in error. The same seed always gives the same events, ids and times.
 */
export interface GeneratedEvent {
  /** The source domain whose topic carries it (a correction goes to its original's topic). */
  domain: SourceDomain;
  event: UncheckedRecordEntryEvent;
}

export interface GeneratorOptions {
  seed: number;
  /** Stop after this many events (Infinity for an endless live stream). */
  totalEvents: number;
  /** The first patient gets exactly this many events (0 for none): the journal read test. */
  heavyPatientEntries?: number;
  /** Patients are numbered from here, so two streams (backfill, live) never share a patient. */
  firstPatient?: number;
}

export const HEAVY_PATIENT_PRACTICE = 'A81001';
/** The patient with `heavyPatientEntries` entries, registered at HEAVY_PATIENT_PRACTICE. */
export const heavyPatientNhsNumber = (firstPatient = 0): string =>
  testNhsNumber(firstPatient * 13 + 1);

const PRACTICES = Array.from({ length: 40 }, (_, i) => `A81${String(i + 1).padStart(3, '0')}`);
const LOCAL_AUTHORITIES = ['716', '717', '718', '719', '720'];
const MATERNITY_TRUSTS = ['RTD', 'RXR', 'RWE'];
const HEALTH_VISITING = ['RYX', 'RY6', 'RY8'];
const URGENT_CARE = ['RX1', 'RR8', 'NLO12'];
const PROTECTED = ['sexual-health', 'fertility', 'termination', 'gender-identity'];

const SERVICE: Record<SourceDomain, string> = {
  gp: 'gp-records',
  'social-care': 'social-care',
  maternity: 'maternity',
  'urgent-care': 'urgent-care',
  patient: 'record-api',
  'community-nursing': 'community-nursing',
  pharmacy: 'pharmacy',
};

type Weights = ReadonlyArray<readonly [string, number]>;
const GP_MIX: Weights = [
  ['ConsultationRecorded', 10],
  ['MedicationIssued', 12],
  ['TestResultRecorded', 6],
  ['MedicationPrescribed', 2],
  ['LetterReceived', 2],
  ['ProblemRecorded', 1],
  ['ReferralMade', 1],
  ['ImmunisationRecorded', 1],
  ['AllergyRecorded', 0.3],
];
const SOCIAL_CARE_MIX: Weights = [
  ['CareVisitRecorded', 60],
  ['AssessmentCompleted', 0.6],
  ['CarePlanChanged', 0.6],
  ['ReviewCompleted', 0.6],
  ['SafeguardingConcernRaised', 0.1],
];
const MATERNITY_MIX: Weights = [
  ['AntenatalContactRecorded', 4],
  ['PostnatalContactRecorded', 1],
  ['HealthVisitorReviewRecorded', 1],
  ['ChildDevelopmentCheckRecorded', 0.5],
];
const URGENT_CARE_MIX: Weights = [
  ['TriageOutcomeRecorded', 1],
  ['EdAttendanceRecorded', 0.7],
  ['OutOfHoursConsultationRecorded', 0.5],
  ['AmbulanceSeeAndTreatRecorded', 0.3],
];
const PATIENT_MIX: Weights = [
  ['HomeReadingRecorded', 5],
  ['WearableSummaryRecorded', 1],
  ['PatientNoteAdded', 0.3],
];

interface Patient {
  index: number;
  nhsNumber: string;
  practice: string;
  localAuthority: string | null;
  maternityTrust: string | null;
  urgentCare: string | null;
  contributes: boolean;
  /** Clinical time of the last entry: each new one comes later. */
  clock: number;
  entries: number;
  /** Entries this patient's sources could later correct (kept short: recent ones). */
  recent: UncheckedRecordEntryEvent[];
  recentDomains: SourceDomain[];
}

/** Example payloads from schemas/examples, converted once for their current schema. */
class Templates {
  private readonly codec = loadEventCodec();
  private readonly payloads = new Map<string, Record<string, unknown>>();
  private readonly versions = new Map<string, number>();

  payload(type: string): Record<string, unknown> {
    let payload = this.payloads.get(type);
    if (!payload) {
      const current = this.codec.catalogue.current(type);
      const example = current && readExample(schemasDir, current);
      if (!current || !example) throw new Error(`no example for ${type}`);
      payload = this.codec.fromJson({
        eventId: '',
        type,
        schemaVersion: current.version,
        patient: example.patient,
        occurredAt: new Date(0),
        recordedAt: new Date(0),
        source: { service: '', organisation: '', system: '' },
        author: { userId: '', role: '', profession: '', organisation: '' },
        sensitivity: [],
        attention: null,
        correlationId: '',
        causationId: null,
        supersedes: null,
        payload: example.payload,
      }).payload;
      this.payloads.set(type, payload);
      this.versions.set(type, current.version);
    }
    return payload;
  }

  version(type: string): number {
    this.payload(type);
    return this.versions.get(type) ?? 1;
  }
}

const HOUR = 3_600_000;
const START = Date.UTC(2005, 0, 1);
/** Each record spans about ten years, however many entries it has. */
const RECORD_SPAN_MINUTES = 10 * 365 * 24 * 60;

export function* generateEvents(options: GeneratorOptions): Generator<GeneratedEvent> {
  const random = new SeededRandom(options.seed);
  const templates = new Templates();
  const firstPatient = options.firstPatient ?? 0;
  let emitted = 0;
  for (let index = firstPatient; emitted < options.totalEvents; index++) {
    const heavy = index === firstPatient && (options.heavyPatientEntries ?? 0) > 0;
    const patient: Patient = {
      index,
      nhsNumber: testNhsNumber(index * 13 + 1),
      practice: heavy ? HEAVY_PATIENT_PRACTICE : random.pick(PRACTICES),
      localAuthority: heavy || random.chance(0.3) ? random.pick(LOCAL_AUTHORITIES) : null,
      maternityTrust: !heavy && random.chance(0.06) ? random.pick(MATERNITY_TRUSTS) : null,
      urgentCare: heavy || random.chance(0.2) ? random.pick(URGENT_CARE) : null,
      contributes: heavy || random.chance(0.15),
      clock: START + random.int(0, 8 * 365 * 24) * HOUR,
      entries: 0,
      recent: [],
      recentDomains: [],
    };
    // Most records are short; a few (long-term social care) are long.
    const wanted = heavy
      ? (options.heavyPatientEntries ?? 0)
      : patient.localAuthority
        ? random.int(20, 160)
        : random.int(3, 40);
    const budget = Math.min(wanted, options.totalEvents - emitted);
    for (const generated of patientEvents(patient, budget, random, templates)) {
      emitted++;
      yield generated;
    }
  }
}

function* patientEvents(
  patient: Patient,
  budget: number,
  random: SeededRandom,
  templates: Templates,
): Generator<GeneratedEvent> {
  const maxGapMinutes = Math.max(60, Math.floor((2 * RECORD_SPAN_MINUTES) / Math.max(budget, 1)));
  const make = (
    domain: SourceDomain,
    type: string,
    organisation: string,
    payload: Record<string, unknown>,
    extra: Partial<UncheckedRecordEntryEvent> = {},
  ): GeneratedEvent => {
    patient.clock += random.int(1, maxGapMinutes) * 60_000;
    const occurredAt = new Date(patient.clock);
    const recordedAt = new Date(occurredAt.getTime() + random.int(1, 180) * 60_000);
    const role = entryTypeRule(type)?.authors[0] ?? 'gp';
    const author = type === 'CareVisitRecorded' ? 'care-worker' : role;
    patient.entries++;
    return {
      domain,
      event: {
        eventId: random.uuid(),
        type,
        schemaVersion: templates.version(type),
        patient: { nhsNumber: patient.nhsNumber },
        occurredAt,
        recordedAt,
        source: { service: SERVICE[domain], organisation, system: 'bench-synthetic' },
        author: {
          userId: `${author}-${random.int(1, 25)}`,
          role: author,
          profession: author,
          organisation,
        },
        sensitivity: [],
        attention: null,
        correlationId: random.uuid(),
        causationId: null,
        supersedes: null,
        payload: datedBefore(payload, recordedAt, occurredAt) as Record<string, unknown>,
        ...extra,
      },
    };
  };

  const opening: GeneratedEvent[] = [
    make('gp', 'RegistrationStarted', patient.practice, templates.payload('RegistrationStarted')),
  ];
  if (patient.localAuthority)
    opening.push(
      make('social-care', 'CaseOpened', patient.localAuthority, templates.payload('CaseOpened')),
    );
  if (patient.maternityTrust)
    opening.push(
      make(
        'maternity',
        'MaternityBookingRecorded',
        patient.maternityTrust,
        templates.payload('MaternityBookingRecorded'),
      ),
    );
  for (const generated of opening.slice(0, budget)) yield generated;

  const settings: Array<readonly [string, number]> = [['gp', 30]];
  if (patient.localAuthority) settings.push(['social-care', 90]);
  if (patient.maternityTrust) settings.push(['maternity', 12]);
  if (patient.urgentCare) settings.push(['urgent-care', 2]);
  if (patient.contributes) settings.push(['patient', 10]);

  for (let count = opening.length; count < budget; count++) {
    const roll = random.next();
    const last = patient.recent.at(-1);
    const lastDomain = patient.recentDomains.at(-1);
    if (roll < 0.006 && last && lastDomain && last.type !== 'EntryEnteredInError') {
      // An amendment of a recent entry, by the organisation that wrote it.
      yield make(lastDomain, last.type, last.source.organisation, last.payload, {
        supersedes: { eventId: last.eventId, reason: 'added detail omitted at the time' },
        sensitivity: last.sensitivity,
      });
      continue;
    }
    if (roll < 0.008 && last && lastDomain) {
      yield make(lastDomain, 'EntryEnteredInError', last.source.organisation, {
        entryEventId: last.eventId,
        entryType: last.type,
        reason: 'recorded in the wrong record',
      });
      patient.recent.pop();
      patient.recentDomains.pop();
      continue;
    }
    if (roll < 0.009 && last && patient.contributes) {
      yield make('patient', 'EntrySealed', 'PATIENT', {
        entryEventId: last.eventId,
        sealedFrom: { kind: 'organisation', value: random.pick(LOCAL_AUTHORITIES) },
      });
      continue;
    }
    const setting = random.weighted(settings) as SourceDomain;
    const generated = entryIn(setting, patient, random, templates, make);
    patient.recent.push(generated.event);
    patient.recentDomains.push(generated.domain);
    if (patient.recent.length > 8) {
      patient.recent.shift();
      patient.recentDomains.shift();
    }
    yield generated;
  }
}

type Make = (
  domain: SourceDomain,
  type: string,
  organisation: string,
  payload: Record<string, unknown>,
  extra?: Partial<UncheckedRecordEntryEvent>,
) => GeneratedEvent;

function entryIn(
  setting: SourceDomain,
  patient: Patient,
  random: SeededRandom,
  templates: Templates,
  make: Make,
): GeneratedEvent {
  switch (setting) {
    case 'social-care': {
      const type = random.weighted(SOCIAL_CARE_MIX);
      const organisation = patient.localAuthority ?? LOCAL_AUTHORITIES[0] ?? '716';
      const payload = templates.payload(type);
      if (type === 'CareVisitRecorded')
        return make(setting, type, organisation, {
          ...payload,
          concernsRaised: random.chance(0.02),
        });
      return make(setting, type, organisation, payload, {
        sensitivity: type === 'SafeguardingConcernRaised' ? ['safeguarding'] : [],
      });
    }
    case 'maternity': {
      const type = random.weighted(MATERNITY_MIX);
      const organisation =
        type === 'HealthVisitorReviewRecorded' || type === 'ChildDevelopmentCheckRecorded'
          ? random.pick(HEALTH_VISITING)
          : (patient.maternityTrust ?? MATERNITY_TRUSTS[0] ?? 'RTD');
      return make(setting, type, organisation, templates.payload(type));
    }
    case 'urgent-care': {
      const type = random.weighted(URGENT_CARE_MIX);
      return make(
        setting,
        type,
        patient.urgentCare ?? URGENT_CARE[0] ?? 'RX1',
        templates.payload(type),
      );
    }
    case 'community-nursing':
    case 'pharmacy':
      // No benchmark patient is on a district nursing caseload or a pharmacy's list yet (settings, above).
      throw new Error(`the benchmark does not generate ${setting} entries`);
    case 'patient': {
      const type = random.weighted(PATIENT_MIX);
      return make(setting, type, 'PATIENT', templates.payload(type));
    }
    case 'gp': {
      const type = random.weighted(GP_MIX);
      const payload = templates.payload(type);
      if (type === 'TestResultRecorded') {
        const interpretation = random.weighted([
          ['normal', 90],
          ['abnormal', 9],
          ['critical', 1],
        ]);
        return make(
          setting,
          type,
          patient.practice,
          { ...payload, interpretation },
          {
            attention:
              interpretation === 'normal'
                ? null
                : { role: 'gp', organisation: patient.practice, reason: 'result out of range' },
          },
        );
      }
      return make(setting, type, patient.practice, payload, {
        sensitivity:
          type === 'ConsultationRecorded' && random.chance(0.02) ? [random.pick(PROTECTED)] : [],
      });
    }
  }
}
