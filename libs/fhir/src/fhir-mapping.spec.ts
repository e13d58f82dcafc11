import { DomainError, ENTRY_TYPE_NAMES } from '@carelog/domain';
import { exampleEvent, fhirR4Problems, testNhsNumber } from '@carelog/testing';
import type { Resource } from '@medplum/fhirtypes';
import { fhirToEntry } from './from-fhir';
import type { FhirSourceEntry } from './fhir-entry';
import { NHS_NUMBER_SYSTEM, SENSITIVITY_SYSTEM } from './fhir-terms';
import {
  attentionTaskOf,
  entryToFhir,
  isMappedEntryType,
  MAPPED_ENTRY_TYPES,
  NOT_SERVED_AS_FHIR,
  patientResource,
  provenanceOf,
  resourceTypeOf,
} from './to-fhir';

const nhsNumber = testNhsNumber(4242);
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** The entry as the producers take it (POST /v1/entries), from a recorded event. */
const draftOf = (entry: FhirSourceEntry) =>
  json({
    patient: entry.patient,
    type: entry.type,
    occurredAt: entry.occurredAt,
    payload: entry.payload,
    sensitivity: entry.sensitivity,
    attention: entry.attention,
  });

const resourceOf = (entry: FhirSourceEntry): Resource => {
  const resource = entryToFhir(entry);
  if (!resource) throw new Error(`${entry.type} is not mapped`);
  return resource;
};

describe('FHIR mapping, every mapped entry type (driven by schemas/examples)', () => {
  describe.each(MAPPED_ENTRY_TYPES)('%s', (type) => {
    const example = exampleEvent(type, { nhsNumber });
    const variants: Array<[string, FhirSourceEntry]> = [
      ['as in its example', example],
      [
        'sensitive and flagged for attention',
        {
          ...example,
          sensitivity: ['sexual-health', 'patient-sealed'],
          attention: { role: 'gp', organisation: 'A81001', reason: 'Please review' },
        },
      ],
    ];

    it.each(variants)('round-trips entry -> FHIR -> entry (%s)', (_name, entry) => {
      const resource = json(resourceOf(entry));
      expect((resource as Resource).resourceType).toBe(resourceTypeOf(type));
      expect(fhirToEntry(resource)).toEqual(draftOf(entry));
    });

    it.each(variants)('validates against the official R4 definitions (%s)', (_name, entry) => {
      const resource = resourceOf(entry);
      expect(fhirR4Problems(resource)).toEqual([]);
      expect(fhirR4Problems(provenanceOf(entry, resource))).toEqual([]);
      const task = attentionTaskOf(entry, resource);
      if (entry.attention) expect(task && fhirR4Problems(task)).toEqual([]);
      else expect(task).toBeNull();
    });

    it('says entered-in-error as FHIR does, and still validates', () => {
      const resource = resourceOf({ ...example, status: 'entered-in-error' }) as Resource & {
        status?: string;
        verificationStatus?: { coding?: Array<{ code?: string }> };
      };
      const status = resource.status ?? resource.verificationStatus?.coding?.[0]?.code;
      expect(status).toBe('entered-in-error');
      expect(fhirR4Problems(resource)).toEqual([]);
    });
  });

  it.each<[string, string, Record<string, unknown>]>([
    [
      'PharmacyConsultationRecorded',
      'a referral and no supply',
      { outcome: 'referred', supply: null, referral: { to: 'GP', reason: 'Red flags' } },
    ],
    [
      'AntenatalContactRecorded',
      'no readings',
      { bloodPressureSystolic: null, bloodPressureDiastolic: null, fetalHeartRate: null },
    ],
    [
      'DistrictNursingVisitRecorded',
      'no interventions and no next visit',
      { interventions: [], nextVisitDue: null },
    ],
    ['CareVisitRecorded', 'a concern raised', { concernsRaised: true, tasksCompleted: [] }],
    [
      'HealthVisitorReviewRecorded',
      'no child NHS number, concerns',
      { childNhsNumber: null, concerns: ['weight', 'mood'] },
    ],
    ['AmbulanceSeeAndTreatRecorded', 'conveyed', { conveyed: true }],
    ['HomeReadingsFlagged', 'no readings named', { readings: [] }],
    ['CaseOpened', 'no team allocated yet', { allocatedTeam: null }],
    ['CarerObservationRecorded', 'a high concern', { concernLevel: 'high' }],
    [
      'WoundCareRecorded',
      'no wound type, body site or measurements',
      {
        woundType: null,
        bodySite: null,
        lengthMm: null,
        widthMm: null,
        depthMm: null,
        nextDressingDue: null,
        signsOfInfection: true,
      },
    ],
    ['WoundCareRecorded', 'a depth only', { lengthMm: null, widthMm: null, depthMm: 4 }],
    [
      'ContinenceAssessmentRecorded',
      'a coded finding and no products',
      {
        finding: {
          system: 'http://snomed.info/sct',
          code: '165232002',
          display: 'Urinary incontinence',
        },
        productsSupplied: [],
      },
    ],
    [
      'EndOfLifeCareRecorded',
      'a coded medicine, no preferred place, no ReSPECT form',
      {
        anticipatoryMedicines: [
          {
            medicine: {
              system: 'https://dmd.nhs.uk',
              code: '36128811000001106',
              display: 'Morphine',
            },
            name: 'morphine sulfate 10mg/1ml',
            dose: '2.5mg',
            indication: 'pain',
          },
        ],
        preferredPlaceOfDeath: null,
        respectFormCompleted: false,
      },
    ],
    ['EndOfLifeCareRecorded', 'no anticipatory medicines', { anticipatoryMedicines: [] }],
    [
      'ChildDevelopmentCheckRecorded',
      'no scores, no child NHS number',
      { scores: [], childNhsNumber: null },
    ],
    [
      'BirthRecorded',
      'no baby NHS number, sex or birth order',
      { babyNhsNumber: null, sexAtBirth: null, birthOrder: null },
    ],
    ['CareTeamMemberAdded', 'no team named', { team: null }],
    ['CareTeamMemberRemoved', 'no reason given', { reason: null }],
    [
      'TestResultReviewed',
      'no comment for the patient',
      { commentForPatient: null, outcome: 'no-action' },
    ],
    ['AssessmentCompleted', 'no eligible needs', { eligibleNeeds: [] }],
    ['ReviewCompleted', 'no next review', { nextReviewDate: null }],
    ['MaternityDischargeRecorded', 'no summary', { summary: null }],
    ['CaseloadTransferredToHealthVisiting', 'naming the child', { childNhsNumber: '9434765870' }],
    ['ReferralAccepted', 'no note', { note: null }],
  ])('%s round-trips beyond its example (%s)', (type, _name, change) => {
    const example = exampleEvent(type, { nhsNumber });
    const entry = { ...example, payload: { ...example.payload, ...change } };
    const resource = json(resourceOf(entry));
    expect(fhirR4Problems(resource as Resource)).toEqual([]);
    expect(fhirToEntry(resource)).toEqual(draftOf(entry));
  });

  it.each(['MaternityDischargeRecorded', 'CaseloadTransferredToHealthVisiting'])(
    "%s written with only its date (no entry-detail time) happened at that day's start",
    (type) => {
      const resource = json(resourceOf(exampleEvent(type, { nhsNumber }))) as Record<
        string,
        unknown
      > & { period: { start?: string; end?: string } };
      const day = resource.period.end ?? resource.period.start;
      const draft = fhirToEntry({ ...resource, extension: undefined });
      expect(draft.occurredAt).toBe(`${day}T00:00:00.000Z`);
    },
  );

  it('a visit whose clinical time is its start keeps no separate occurredAt', () => {
    const example = exampleEvent('CareVisitRecorded', { nhsNumber });
    const entry = { ...example, occurredAt: new Date(String(example.payload['visitStart'])) };
    const resource = json(resourceOf(entry));
    expect(JSON.stringify(resource)).not.toContain('"occurredAt"');
    expect(fhirToEntry(resource)).toEqual(draftOf(entry));
  });

  it('says who a patient note or carer observation is from, as a FHIR performer', () => {
    const note = resourceOf(exampleEvent('PatientNoteAdded', { nhsNumber })) as Resource & {
      performer?: unknown[];
    };
    expect(note.performer).toEqual([
      expect.objectContaining({ reference: `Patient/${nhsNumber}` }),
    ]);
    const observation = resourceOf(
      exampleEvent('CarerObservationRecorded', { nhsNumber }),
    ) as Resource & { performer?: unknown[] };
    expect(observation.performer).toEqual([
      expect.objectContaining({
        type: 'RelatedPerson',
        identifier: expect.objectContaining({ value: 'carer-jo' }),
      }),
    ]);
  });

  it('points a home-readings flag at the readings behind it (flag-detail)', () => {
    const example = exampleEvent('HomeReadingsFlagged', { nhsNumber });
    const flag = resourceOf(example) as Resource & { extension?: Array<Record<string, unknown>> };
    expect(
      flag.extension
        ?.filter(
          (extension) => extension['url'] === 'http://hl7.org/fhir/StructureDefinition/flag-detail',
        )
        .map((extension) => extension['valueReference']),
    ).toEqual(
      (example.payload['readings'] as string[]).map((id) => ({ reference: `Observation/${id}` })),
    );
  });

  it('labels sensitivity in meta.security, with the HL7 confidentiality it implies', () => {
    const resource = resourceOf(
      exampleEvent('ProblemRecorded', { nhsNumber, sensitivity: ['termination'] }),
    );
    expect(resource.meta?.security).toEqual([
      { system: SENSITIVITY_SYSTEM, code: 'termination' },
      { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' },
    ]);
  });

  it('serves the patient by NHS number and nothing carelog does not hold', () => {
    const patient = patientResource(nhsNumber);
    expect(patient).toEqual({
      resourceType: 'Patient',
      id: nhsNumber,
      identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }],
    });
    expect(fhirR4Problems(patient)).toEqual([]);
  });

  it('serves a held result as registered, with nothing of the test', () => {
    const entry = {
      ...exampleEvent('TestResultRecorded', { nhsNumber }),
      payload: { status: 'waiting-for-your-care-team', label: 'Test result', message: 'wait' },
    };
    const resource = resourceOf(entry);
    expect(JSON.stringify(resource)).not.toMatch(/NT-proBNP|1240|abnormal/);
    expect(fhirR4Problems(resource)).toEqual([]);
  });

  it('serves every entry type as FHIR or names it as not served, with its reason', () => {
    for (const type of ENTRY_TYPE_NAMES)
      expect({
        type,
        mapped: isMappedEntryType(type),
        notServed: type in NOT_SERVED_AS_FHIR,
      }).toEqual({
        type,
        mapped: !(type in NOT_SERVED_AS_FHIR),
        notServed: !isMappedEntryType(type),
      });
    // Consents, relationships, task steps and corrections: who may see or act on the record,
    // or steps of other entries, not the record itself (README, "FHIR R4").
    expect(Object.keys(NOT_SERVED_AS_FHIR).sort()).toEqual([
      'AttentionAcknowledged',
      'AttentionEscalated',
      'CarerApproved',
      'CarerRevoked',
      'EntryEnteredInError',
      'EntrySealed',
      'EntryUnsealed',
      'OptOutRecorded',
      'OptOutWithdrawn',
      'ParentalAccessDecided',
      'ParentalResponsibilityEnded',
      'ParentalResponsibilityRecorded',
      'RelationshipClaimed',
      'SensitiveInformationShared',
    ]);
    for (const [type, reason] of Object.entries(NOT_SERVED_AS_FHIR)) {
      expect(reason.length).toBeGreaterThan(20);
      expect(entryToFhir(exampleEvent(type, { nhsNumber }))).toBeNull();
    }
  });

  it('the validator finds what is wrong (so that a pass means something)', () => {
    expect(
      fhirR4Problems({ resourceType: 'Observation', status: 'final', valueString: 3 }),
    ).not.toEqual([]);
    expect(fhirR4Problems({ resourceType: 'Condition', subject: {}, onset: 'x' })).not.toEqual([]);
  });
});

describe('FHIR -> entry refuses what it cannot record, naming the element', () => {
  const allergy = json(resourceOf(exampleEvent('AllergyRecorded', { nhsNumber }))) as Record<
    string,
    unknown
  >;
  const refusal = (resource: unknown, path?: string): DomainError => {
    try {
      fhirToEntry(resource, path);
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    throw new Error('was accepted');
  };

  it.each([
    ['no code', { ...allergy, code: undefined }, 'AllergyIntolerance.code'],
    [
      'a code without a system',
      { ...allergy, code: { coding: [{ code: '1' }] } },
      'AllergyIntolerance.code.coding',
    ],
    ['no patient', { ...allergy, patient: undefined }, 'AllergyIntolerance.patient'],
    [
      'a patient that is not a valid NHS number',
      { ...allergy, patient: { reference: 'Patient/1234567890' } },
      'AllergyIntolerance.patient',
    ],
    [
      'a date without a time zone',
      { ...allergy, recordedDate: '2026-05-12T09:00:00' },
      'AllergyIntolerance.recordedDate',
    ],
    [
      'a resource type carelog does not record',
      { resourceType: 'Account' },
      'Account.resourceType',
    ],
  ])('%s', (_name, resource, field) => {
    const error = refusal(json(resource));
    expect(error.code).toBe('invalid-fhir-resource');
    expect(error.field).toBe(field);
  });

  it.each(MAPPED_ENTRY_TYPES)(
    '%s: any element replaced by a wrong shape is refused as invalid-fhir-resource, never a crash',
    (type) => {
      const resource = json(resourceOf(exampleEvent(type, { nhsNumber }))) as Record<
        string,
        unknown
      >;
      const shapes: unknown[] = [null, 42, 'x', true, {}, [], [null], [42], [{ url: 1 }]];
      for (const key of Object.keys(resource))
        for (const shape of shapes) {
          let outcome = 'accepted';
          try {
            fhirToEntry({ ...resource, [key]: shape });
          } catch (error) {
            outcome = error instanceof DomainError ? 'refused' : String(error);
          }
          expect({ key, shape, outcome }).toEqual({
            key,
            shape,
            outcome: expect.stringMatching(/^(accepted|refused)$/) as string,
          });
        }
    },
  );

  it('refuses a wound measured in anything but millimetres, naming the component', () => {
    const wound = json(resourceOf(exampleEvent('WoundCareRecorded', { nhsNumber }))) as {
      component: Array<{ valueQuantity: Record<string, unknown> }>;
    };
    const [length, ...rest] = wound.component;
    const inCentimetres = {
      ...wound,
      component: [{ ...length, valueQuantity: { value: 3.2, unit: 'cm', code: 'cm' } }, ...rest],
    };
    expect(refusal(inCentimetres).field).toBe('Observation.component[0].valueQuantity');
  });

  it('names the resource by its place in a Bundle', () => {
    expect(refusal({ ...allergy, code: undefined }, 'Bundle.entry[3].resource').field).toBe(
      'Bundle.entry[3].resource.code',
    );
  });

  it('asks for the entry-type tag where a resource type maps to several entry types', () => {
    const immunization = json(
      resourceOf(exampleEvent('VaccinationGiven', { nhsNumber })),
    ) as Record<string, unknown>;
    expect(refusal({ ...immunization, meta: {} }).field).toBe('Immunization.meta.tag');
    for (const type of [
      'SafeguardingConcernRaised',
      'CaseOpened',
      'PatientNoteAdded',
      'CarePlanChanged',
      'ReviewCompleted',
      'CareTeamMemberAdded',
    ] as const) {
      const resource = json(resourceOf(exampleEvent(type, { nhsNumber }))) as Record<
        string,
        unknown
      >;
      expect(refusal({ ...resource, meta: {} }).field).toBe(`${resourceTypeOf(type)}.meta.tag`);
    }
  });
});
