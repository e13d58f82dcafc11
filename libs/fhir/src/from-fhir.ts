import { DomainError, isFullDate } from '@carelog/domain';
import type { EntryDraft } from './fhir-entry';
import {
  ALLERGY_VERIFICATION_SYSTEM,
  ATTENTION_EXTENSION,
  CARELOG_ROLE_SYSTEM,
  CONDITION_CLINICAL_SYSTEM,
  COURSE_OF_THERAPY_SYSTEM,
  ENTRY_TYPE_SYSTEM,
  EPS_PRESCRIPTION_SYSTEM,
  FLAG_DETAIL_EXTENSION,
  INTERPRETATION_SYSTEM,
  MEDICATION_ID_SYSTEM,
  ODS_ORGANISATION_SYSTEM,
  SENSITIVITY_SYSTEM,
  USER_ID_SYSTEM,
} from './fhir-terms';
import { ResourceReader } from './resource-reader';
import {
  BLADDER,
  BOWEL,
  ENTRY_TYPES_BY_RESOURCE,
  INTERPRETATION_CODE,
  isMappedEntryType,
  resourceTypeOf,
  type MappedEntryType,
  WOUND_DEPTH,
  WOUND_LENGTH,
  WOUND_WIDTH,
} from './to-fhir';

/** What one entry type reads from its resource: when it happened, and its payload. */
interface Inverse {
  occurredAt(r: ResourceReader): string;
  payload(r: ResourceReader): Record<string, unknown>;
}

const invert = (table: Record<string, string>): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(table).map(([key, value]) => [value, key]));
const INTERPRETATION_OF = invert(INTERPRETATION_CODE);
const URGENCY_OF: Record<string, string> = {
  routine: 'routine',
  urgent: 'urgent',
  asap: 'two-week-wait',
  stat: 'urgent',
};

/** "28 tablet" from a Quantity. */
const quantityText = (r: ResourceReader, element: string): string | null => {
  if (r.get(element) === undefined) return null;
  const value = r.optionalNumber(`${element}.value`);
  const unit = r.optionalString(`${element}.unit`);
  if (value === null || unit === null) return r.fail(element, 'must have a value and a unit');
  return `${value} ${unit}`;
};

const namedValues = (r: ResourceReader): Array<{ name: string; value: number; unit: string }> => {
  const components = r.get('component');
  if (!Array.isArray(components)) return r.fail('component', 'is required');
  return components.map((_component, index) => ({
    name: r.text(`component[${index}].code`),
    value:
      r.optionalNumber(`component[${index}].valueQuantity.value`) ??
      r.fail(`component[${index}].valueQuantity.value`, 'is required'),
    unit: r.string(`component[${index}].valueQuantity.unit`),
  }));
};

const codedList = (r: ResourceReader, element: string) => {
  const list = r.get(element);
  if (list === undefined) return [];
  if (!Array.isArray(list)) return r.fail(element, 'must be a list');
  return list.map((_item, index) => r.coded(`${element}[${index}]`));
};

const firstNote = (r: ResourceReader): string | null => r.optionalString('note[0].text');

const immunisationPayload = (r: ResourceReader) => ({
  vaccine: r.coded('vaccineCode'),
  doseNumber: r.optionalNumber('protocolApplied[0].doseNumberPositiveInt'),
  batchNumber: r.optionalString('lotNumber'),
  site: r.optionalText('site'),
});

/** Entry types as their resources say them (the inverse of MAPPINGS in to-fhir.ts). */
const INVERSES: Record<MappedEntryType, Inverse> = {
  AllergyRecorded: {
    occurredAt: (r) => r.dateTime('recordedDate'),
    payload: (r) => ({
      substance: r.coded('code'),
      reaction: r.optionalCoded('reaction[0].manifestation[0]'),
      severity: r.optionalString('reaction[0].severity') ?? r.detail.requiredString('severity'),
      certainty:
        r.detail.string('certainty') ??
        (r.optionalCodeOf('verificationStatus', ALLERGY_VERIFICATION_SYSTEM) === 'confirmed'
          ? 'confirmed'
          : 'likely'),
      narrative: firstNote(r),
    }),
  },
  ProblemRecorded: {
    occurredAt: (r) => r.dateTime('recordedDate'),
    payload: (r) => ({
      problem: r.coded('code'),
      status:
        r.optionalCodeOf('clinicalStatus', CONDITION_CLINICAL_SYSTEM) ??
        r.detail.requiredString('status'),
      onsetDate: r.optionalString('onsetDateTime'),
      significance: r.detail.requiredString('significance', 'major'),
      narrative: firstNote(r),
    }),
  },
  ImmunisationRecorded: {
    occurredAt: (r) => r.dateTime('occurrenceDateTime'),
    payload: immunisationPayload,
  },
  VaccinationGiven: {
    occurredAt: (r) => r.dateTime('occurrenceDateTime'),
    payload: (r) => ({
      ...immunisationPayload(r),
      programme: r.detail.requiredString('programme'),
      batchNumber: r.string('lotNumber'),
    }),
  },
  TestResultRecorded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => {
      const code = r.optionalCodeOf('interpretation[0]', INTERPRETATION_SYSTEM);
      const quantityValue = r.optionalNumber('valueQuantity.value');
      return {
        test: r.coded('code'),
        value: quantityValue === null ? r.optionalString('valueString') : String(quantityValue),
        unit: r.optionalString('valueQuantity.unit') ?? r.detail.string('unit'),
        referenceRange: r.optionalString('referenceRange[0].text'),
        interpretation:
          (code === null ? undefined : INTERPRETATION_OF[code]) ??
          r.detail.requiredString('interpretation', 'normal'),
        narrative: firstNote(r),
      };
    },
  },
  HomeReadingRecorded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => ({
      measurement: r.coded('code'),
      readings: namedValues(r),
      deviceName: r.optionalString('device.display'),
    }),
  },
  WearableSummaryRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? r.dateTime('effectivePeriod.end'),
    payload: (r) => ({
      periodStart: r.dateTime('effectivePeriod.start'),
      periodEnd: r.dateTime('effectivePeriod.end'),
      metrics: namedValues(r),
      deviceName: r.optionalString('device.display'),
    }),
  },
  PatientNoteAdded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => ({ note: r.string('valueString') }),
  },
  CarerObservationRecorded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => {
      if (r.get('performer[0].identifier.system') !== USER_ID_SYSTEM)
        r.fail('performer[0].identifier.system', `must be ${USER_ID_SYSTEM}`);
      return {
        carerUserId: r.string('performer[0].identifier.value'),
        observation: r.string('valueString'),
        concernLevel: r.detail.requiredString('concernLevel'),
      };
    },
  },
  MedicationPrescribed: {
    occurredAt: (r) => r.dateTime('authoredOn'),
    payload: (r) => ({
      medication: r.coded('medicationCodeableConcept'),
      dosageInstructions: r.string('dosageInstruction[0].text'),
      quantity: quantityText(r, 'dispenseRequest.quantity') ?? r.detail.requiredString('quantity'),
      prescriptionType:
        r.detail.string('prescriptionType') ??
        (r.optionalCodeOf('courseOfTherapyType', COURSE_OF_THERAPY_SYSTEM) === 'continuous'
          ? 'repeat'
          : 'acute'),
      indication: r.optionalText('reasonCode[0]'),
      medicationId: medicationIdOf(r),
    }),
  },
  MedicationIssued: {
    occurredAt: (r) => r.dateTime('authoredOn'),
    payload: (r) => ({
      medication: r.coded('medicationCodeableConcept'),
      quantity: quantityText(r, 'dispenseRequest.quantity') ?? r.detail.requiredString('quantity'),
      issueNumber: r.detail.number('issueNumber') ?? 1,
      prescriptionEventId: r.optionalReferencedId('basedOn[0].reference', 'MedicationRequest'),
      medicationId: medicationIdOf(r),
      nominatedPharmacy: r.optionalOdsCode('dispenseRequest.performer'),
    }),
  },
  MedicineDispensed: {
    occurredAt: (r) => r.dateTime('whenHandedOver'),
    payload: (r) => {
      const prescriptions = r.get('authorizingPrescription');
      const list = Array.isArray(prescriptions)
        ? (prescriptions as Array<Record<string, unknown> | null>)
        : [];
      const byReference = list.findIndex((item) => typeof item?.['reference'] === 'string');
      const byEps = list.findIndex(
        (item) =>
          (item?.['identifier'] as Record<string, unknown> | undefined)?.['system'] ===
          EPS_PRESCRIPTION_SYSTEM,
      );
      return {
        medication: r.coded('medicationCodeableConcept'),
        quantity: quantityText(r, 'quantity') ?? r.detail.requiredString('quantity'),
        prescriptionEventId:
          byReference < 0
            ? null
            : r.optionalReferencedId(
                `authorizingPrescription[${byReference}].reference`,
                'MedicationRequest',
              ),
        medicationId: r.detail.string('medicationId'),
        epsPrescriptionId:
          byEps < 0 ? null : r.string(`authorizingPrescription[${byEps}].identifier.value`),
      };
    },
  },
  MedicationChanged: {
    occurredAt: (r) => r.dateTime('dateAsserted'),
    payload: (r) => ({
      medicationId: r.detail.requiredString('medicationId'),
      medication: r.coded('medicationCodeableConcept'),
      dosageInstructions: r.string('dosage[0].text'),
      previousDosageInstructions: r.detail.string('previousDosageInstructions'),
      reason: r.optionalText('statusReason[0]'),
    }),
  },
  MedicationStopped: {
    occurredAt: (r) => r.dateTime('dateAsserted'),
    payload: (r) => ({
      medicationId: r.detail.requiredString('medicationId'),
      medication: r.coded('medicationCodeableConcept'),
      reason: r.text('statusReason[0]'),
    }),
  },
  ReferralMade: {
    occurredAt: (r) => r.dateTime('authoredOn'),
    payload: (r) => {
      const priority = r.optionalString('priority');
      return {
        service: r.text('code'),
        specialty: r.optionalCoded('performerType'),
        urgency:
          r.detail.string('urgency') ??
          (priority === null ? undefined : URGENCY_OF[priority]) ??
          'routine',
        reason: r.text('reasonCode[0]'),
        receivingOrganisation: r.optionalOdsCode('performer[0]'),
      };
    },
  },
  LetterReceived: {
    occurredAt: (r) => r.dateTime('date'),
    payload: (r) => ({
      fromOrganisation:
        r.optionalOdsCode('author[0]') ?? r.fail('author[0]', 'must name the organisation'),
      letterType: r.text('type'),
      summary: r.string('description'),
    }),
  },
  CarePlanChanged: {
    occurredAt: (r) => r.dateTime('created'),
    payload: (r) => {
      const activity = r.get('activity');
      return {
        summaryOfChange: r.string('description'),
        visitsPerWeek: r.detail.number('visitsPerWeek'),
        effectiveFrom: r.string('period.start'),
        planItems: Array.isArray(activity)
          ? activity.map((_item, index) => r.string(`activity[${index}].detail.description`))
          : [],
      };
    },
  },
  ConsultationRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      narrative: r.detail.requiredString('narrative'),
      codedItems: codedList(r, 'reasonCode'),
      consultationMedium: r.detail.string('consultationMedium'),
    }),
  },
  OutOfHoursConsultationRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      consultationMedium: r.detail.requiredString('consultationMedium'),
      narrative: r.detail.requiredString('narrative'),
      codedItems: codedList(r, 'reasonCode'),
      followUpAdvice: r.detail.requiredString('followUpAdvice'),
    }),
  },
  EdAttendanceRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? r.dateTime('period.start'),
    payload: (r) => ({
      arrivalTime: r.dateTime('period.start'),
      departureTime: r.optionalDateTime('period.end'),
      chiefComplaint: r.optionalCoded('reasonCode[0]'),
      diagnosis: r.detail.coded('diagnosis'),
      dischargeDestination: r.text('hospitalization.dischargeDisposition'),
      narrative: r.detail.requiredString('narrative'),
    }),
  },
  CareVisitRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? r.dateTime('period.start'),
    payload: (r) => ({
      visitStart: r.dateTime('period.start'),
      visitEnd: r.dateTime('period.end'),
      tasksCompleted: r.detail.strings('tasksCompleted'),
      note: r.detail.requiredString('note'),
      concernsRaised: r.detail.boolean('concernsRaised') ?? false,
    }),
  },
  DistrictNursingVisitRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? r.dateTime('period.start'),
    payload: (r) => ({
      visitStart: r.dateTime('period.start'),
      visitEnd: r.dateTime('period.end'),
      visitType: r.text('type[0]'),
      interventions: r.detail.strings('interventions'),
      note: r.detail.requiredString('note'),
      nextVisitDue: r.detail.string('nextVisitDue'),
    }),
  },
  AntenatalContactRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      gestationWeeks: r.detail.requiredNumber('gestationWeeks'),
      bloodPressureSystolic: r.detail.number('bloodPressureSystolic'),
      bloodPressureDiastolic: r.detail.number('bloodPressureDiastolic'),
      fetalHeartRate: r.detail.number('fetalHeartRate'),
      narrative: r.detail.requiredString('narrative'),
    }),
  },
  PostnatalContactRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      daysSinceBirth: r.detail.requiredNumber('daysSinceBirth'),
      motherWellbeing: r.detail.requiredString('motherWellbeing'),
      infantFeeding: r.detail.requiredString('infantFeeding'),
      narrative: r.detail.requiredString('narrative'),
    }),
  },
  HealthVisitorReviewRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      reviewStage: r.text('type[0]'),
      childNhsNumber: r.detail.string('childNhsNumber'),
      narrative: r.detail.requiredString('narrative'),
      concerns: r.detail.strings('concerns'),
    }),
  },
  TriageOutcomeRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      service: r.text('serviceType'),
      disposition: r.text('hospitalization.dischargeDisposition'),
      urgency: r.text('priority'),
      symptomsSummary: r.text('reasonCode[0]'),
    }),
  },
  AmbulanceSeeAndTreatRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? r.dateTime('period.start'),
    payload: (r) => ({
      incidentTime: r.dateTime('period.start'),
      presentingComplaint: r.text('reasonCode[0]'),
      treatmentGiven: r.detail.requiredString('treatmentGiven'),
      conveyed: r.detail.boolean('conveyed') ?? false,
      narrative: r.detail.requiredString('narrative'),
    }),
  },
  PharmacyConsultationRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => {
      const medication = r.detail.coded('supplyMedication');
      const referralTo = r.detail.string('referralTo');
      return {
        condition: r.detail.requiredString('condition'),
        presentingComplaint: r.text('reasonCode[0]'),
        clinicalNotes: r.detail.requiredString('clinicalNotes'),
        outcome: r.detail.requiredString('outcome'),
        supply:
          medication === null
            ? null
            : {
                medication,
                quantity: r.detail.requiredString('supplyQuantity'),
                dosageInstructions: r.detail.requiredString('supplyDosageInstructions'),
              },
        referral:
          referralTo === null
            ? null
            : { to: referralTo, reason: r.detail.requiredString('referralReason') },
      };
    },
  },
  SafeguardingConcernRaised: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      concernType: r.detail.requiredString('concernType'),
      narrative: r.detail.requiredString('narrative'),
      immediateRisk: r.detail.boolean('immediateRisk') ?? false,
      referredTo: r.detail.string('referredTo'),
    }),
  },
  HomeReadingsFlagged: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      rule: r.detail.requiredString('rule'),
      urgency: r.detail.requiredString('urgency'),
      guidance: r.detail.requiredString('guidance'),
      readings: flagDetails(r),
      summary: {
        readingCount: r.detail.requiredNumber('readingCount'),
        systolic: r.detail.requiredNumber('systolic'),
        diastolic: r.detail.requiredNumber('diastolic'),
        from: r.detail.dateTime('from') ?? r.fail('extension', 'must say from when'),
        to: r.detail.dateTime('to') ?? r.fail('extension', 'must say until when'),
      },
    }),
  },
  RegistrationStarted: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({ registrationType: r.detail.requiredString('registrationType') }),
  },
  RegistrationEnded: {
    occurredAt: (r) => r.dateTime('period.end'),
    payload: (r) => ({ reason: r.detail.requiredString('reason') }),
  },
  CaseOpened: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      reason: r.detail.requiredString('reason'),
      caseType: r.text('type[0]'),
      allocatedTeam: r.optionalString('team[0].display'),
    }),
  },
  CaseClosed: {
    occurredAt: (r) => r.dateTime('period.end'),
    payload: (r) => ({ reason: r.detail.requiredString('reason') }),
  },
  MaternityBookingRecorded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      estimatedDueDate: r.detail.requiredString('estimatedDueDate'),
      gravida: r.detail.requiredNumber('gravida'),
      parity: r.detail.requiredNumber('parity'),
      riskLevel: r.detail.requiredString('riskLevel'),
      leadProfessional: r.detail.requiredString('leadProfessional'),
    }),
  },
  MaternityDischargeRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? dayOf(r, 'period.end'),
    payload: (r) => ({
      dischargeDate: r.string('period.end'),
      summary: r.detail.string('summary'),
    }),
  },
  CaseloadTransferredToHealthVisiting: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? dayOf(r, 'period.start'),
    payload: (r) => ({
      healthVisitingOrganisation:
        r.optionalOdsCode('managingOrganization') ??
        r.fail('managingOrganization', 'must name the health visiting organisation'),
      transferDate: r.string('period.start'),
      childNhsNumber: r.detail.string('childNhsNumber'),
    }),
  },
  ReferralAccepted: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      referralEventId:
        r.optionalReferencedId('referralRequest[0].reference', 'ServiceRequest') ??
        r.fail('referralRequest[0]', 'must name the referral accepted'),
      referringOrganisation: r.detail.requiredString('referringOrganisation'),
      note: r.detail.string('note'),
    }),
  },
  CareTeamMemberAdded: {
    occurredAt: (r) => r.dateTime('period.start'),
    payload: (r) => ({
      ...careTeamMember(r),
      team: r.optionalString('name'),
      reason: r.text('reasonCode[0]'),
    }),
  },
  CareTeamMemberRemoved: {
    occurredAt: (r) => r.dateTime('period.end'),
    payload: (r) => ({ ...careTeamMember(r), reason: r.optionalText('reasonCode[0]') }),
  },
  BirthRecorded: {
    occurredAt: (r) => r.detail.dateTime('occurredAt') ?? r.dateTime('performedDateTime'),
    payload: (r) => ({
      birthTime: r.dateTime('performedDateTime'),
      deliveryMethod: r.coded('code'),
      babyNhsNumber: r.detail.string('babyNhsNumber'),
      birthWeightGrams: r.detail.requiredNumber('birthWeightGrams'),
      gestationWeeks: r.detail.requiredNumber('gestationWeeks'),
      sexAtBirth: r.detail.string('sexAtBirth'),
      birthOrder: r.detail.number('birthOrder'),
    }),
  },
  AssessmentCompleted: {
    occurredAt: (r) => r.dateTime('date'),
    payload: (r) => {
      const findings = r.get('finding');
      return {
        assessmentType: r.text('code'),
        outcome: r.string('summary'),
        eligibleNeeds: Array.isArray(findings)
          ? findings.map((_finding, index) => r.text(`finding[${index}].itemCodeableConcept`))
          : [],
        narrative: r.string('description'),
      };
    },
  },
  ReviewCompleted: {
    occurredAt: (r) => r.dateTime('date'),
    payload: (r) => ({
      reviewType: r.text('code'),
      outcome: r.string('summary'),
      nextReviewDate: r.detail.string('nextReviewDate'),
    }),
  },
  TestResultReviewed: {
    occurredAt: (r) => r.dateTime('date'),
    payload: (r) => ({
      result: {
        eventId:
          r.optionalReferencedId('investigation[0].item[0].reference', 'Observation') ??
          r.fail('investigation[0].item[0]', 'must name the result reviewed'),
      },
      outcome: r.string('summary'),
      commentForPatient: firstNote(r),
    }),
  },
  WoundCareRecorded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => ({
      woundId: r.detail.requiredString('woundId'),
      woundType: r.optionalCoded('valueCodeableConcept'),
      bodySite: r.get('bodySite.coding') === undefined ? null : r.coded('bodySite'),
      siteDescription: r.string('bodySite.text'),
      lengthMm: componentMillimetres(r, WOUND_LENGTH),
      widthMm: componentMillimetres(r, WOUND_WIDTH),
      depthMm: componentMillimetres(r, WOUND_DEPTH),
      progress: r.detail.requiredString('progress'),
      signsOfInfection: r.detail.boolean('signsOfInfection') ?? false,
      dressing: r.detail.requiredString('dressing'),
      nextDressingDue: r.detail.string('nextDressingDue'),
      note: r.string('note[0].text'),
    }),
  },
  ContinenceAssessmentRecorded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => ({
      bladder: componentString(r, BLADDER),
      bowel: componentString(r, BOWEL),
      finding: r.optionalCoded('valueCodeableConcept'),
      productsSupplied: r.detail.strings('productsSupplied'),
      plan: r.detail.requiredString('plan'),
      note: r.string('note[0].text'),
    }),
  },
  ChildDevelopmentCheckRecorded: {
    occurredAt: (r) => r.dateTime('effectiveDateTime'),
    payload: (r) => {
      const components = r.get('component');
      return {
        childNhsNumber: r.detail.string('childNhsNumber'),
        ageMonths: r.detail.requiredNumber('ageMonths'),
        scores: Array.isArray(components)
          ? components.map((_component, index) => ({
              domain: r.text(`component[${index}].code`),
              score:
                r.optionalNumber(`component[${index}].valueInteger`) ??
                r.fail(`component[${index}].valueInteger`, 'is required'),
            }))
          : [],
        outcome: r.string('valueString'),
      };
    },
  },
  EndOfLifeCareRecorded: {
    occurredAt: (r) => r.dateTime('created'),
    payload: (r) => {
      const activity = r.get('activity');
      return {
        anticipatoryMedicines: Array.isArray(activity)
          ? activity.map((_item, index) => {
              const at = `activity[${index}].detail`;
              return {
                medicine:
                  r.get(`${at}.productCodeableConcept.coding`) === undefined
                    ? null
                    : r.coded(`${at}.productCodeableConcept`),
                name: r.string(`${at}.productCodeableConcept.text`),
                dose: r.string(`${at}.description`),
                indication: r.text(`${at}.reasonCode[0]`),
              };
            })
          : [],
        preferredPlaceOfDeath: r.detail.string('preferredPlaceOfDeath'),
        resuscitationStatus: r.detail.requiredString('resuscitationStatus'),
        respectFormCompleted: r.detail.boolean('respectFormCompleted') ?? false,
        note: r.string('description'),
      };
    },
  },
};

/** The organisation and role a care-team change is about (its one participant). */
function careTeamMember(r: ResourceReader): { organisation: string; role: string } {
  return {
    organisation:
      r.optionalOdsCode('participant[0].member') ??
      r.fail('participant[0].member', 'must name the organisation'),
    role:
      r.optionalCodeOf('participant[0].role[0]', CARELOG_ROLE_SYSTEM) ??
      r.fail('participant[0].role[0]', `must hold a coding of ${CARELOG_ROLE_SYSTEM}`),
  };
}

/** Where an Observation's component of that name (its code's text) is, if it has one. */
function componentAt(r: ResourceReader, name: string): string | null {
  const components = r.get('component');
  if (!Array.isArray(components)) return null;
  const index = components.findIndex(
    (_component, at) => r.get(`component[${at}].code.text`) === name,
  );
  return index < 0 ? null : `component[${index}]`;
}

/** A measurement component in millimetres (UCUM `mm`), if the Observation has it. */
const componentMillimetres = (r: ResourceReader, name: string): number | null => {
  const at = componentAt(r, name);
  if (at === null) return null;
  const unit = r.get(`${at}.valueQuantity.code`) ?? r.get(`${at}.valueQuantity.unit`);
  if (unit !== 'mm') r.fail(`${at}.valueQuantity`, 'must be in millimetres (mm)');
  return (
    r.optionalNumber(`${at}.valueQuantity.value`) ??
    r.fail(`${at}.valueQuantity.value`, 'is required')
  );
};

/**
 * When an entry happened, where the resource says only a day (a period of dates): that day's
 * start (UTC). carelog's own resources carry the exact time in entry-detail instead.
 */
const dayOf = (r: ResourceReader, element: string): string => {
  const value = r.string(element);
  return isFullDate(value) ? `${value}T00:00:00.000Z` : r.dateTime(element);
};

const componentString = (r: ResourceReader, name: string): string => {
  const at = componentAt(r, name);
  return at === null
    ? r.fail('component', `must hold a component whose code is "${name}"`)
    : r.string(`${at}.valueString`);
};

/** The event ids of the Observations a Flag's flag-detail extensions point at, in order. */
function flagDetails(r: ResourceReader): string[] {
  const extensions = r.get('extension');
  if (!Array.isArray(extensions)) return [];
  return (extensions as Array<Record<string, unknown> | null>).flatMap((extension, index) =>
    extension?.['url'] === FLAG_DETAIL_EXTENSION
      ? [
          r.optionalReferencedId(`extension[${index}].valueReference.reference`, 'Observation') ??
            r.fail(`extension[${index}].valueReference`, 'is required'),
        ]
      : [],
  );
}

function medicationIdOf(r: ResourceReader): string | null {
  if (r.get('groupIdentifier') === undefined) return null;
  if (r.get('groupIdentifier.system') !== MEDICATION_ID_SYSTEM)
    r.fail('groupIdentifier.system', `must be ${MEDICATION_ID_SYSTEM}`);
  return r.string('groupIdentifier.value');
}

/** Where a resource names its patient, where it is not `subject`. */
const PATIENT_ELEMENT: Partial<Record<string, string>> = {
  AllergyIntolerance: 'patient',
  EpisodeOfCare: 'patient',
  Immunization: 'patient',
};

/** Which entry type a resource is: its carelog entry-type tag, or the one its type maps to. */
function entryTypeOf(r: ResourceReader, resourceType: string): MappedEntryType {
  const tags = r.get('meta.tag');
  const tagged = Array.isArray(tags)
    ? (tags as Array<Record<string, unknown> | null>).find(
        (tag) => tag?.['system'] === ENTRY_TYPE_SYSTEM,
      )
    : undefined;
  const candidates = ENTRY_TYPES_BY_RESOURCE.get(resourceType as never) ?? [];
  if (tagged) {
    const code = tagged?.['code'];
    if (
      typeof code !== 'string' ||
      !isMappedEntryType(code) ||
      resourceTypeOf(code) !== resourceType
    )
      r.fail('meta.tag', `must name one of ${candidates.join(', ') || 'no entry type'}`);
    return code;
  }
  const [only, ...others] = candidates;
  if (!only) return r.fail('resourceType', 'is not a resource type carelog records');
  if (others.length > 0)
    r.fail(
      'meta.tag',
      `must name the entry type (${ENTRY_TYPE_SYSTEM}): ${resourceType} may be ${candidates.join(', ')}`,
    );
  return only;
}

function sensitivityOf(r: ResourceReader): string[] {
  const labels = r.get('meta.security');
  if (!Array.isArray(labels)) return [];
  return (labels as Array<Record<string, unknown> | null>)
    .map((label, index) =>
      label?.['system'] === SENSITIVITY_SYSTEM ? r.string(`meta.security[${index}].code`) : null,
    )
    .filter((code): code is string => code !== null);
}

function attentionOf(r: ResourceReader): EntryDraft['attention'] {
  const extensions = r.get('extension');
  if (!Array.isArray(extensions)) return null;
  const index = (extensions as Array<Record<string, unknown> | null>).findIndex(
    (extension) => extension?.['url'] === ATTENTION_EXTENSION,
  );
  if (index < 0) return null;
  const parts = r.get(`extension[${index}].extension`);
  const part = (url: string) =>
    Array.isArray(parts)
      ? (parts as Array<Record<string, unknown> | null>).findIndex((item) => item?.['url'] === url)
      : -1;
  const at = (url: string, value: string) => `extension[${index}].extension[${part(url)}].${value}`;
  if (
    part('organisation') >= 0 &&
    r.get(at('organisation', 'valueIdentifier.system')) !== ODS_ORGANISATION_SYSTEM
  )
    r.fail(at('organisation', 'valueIdentifier.system'), `must be ${ODS_ORGANISATION_SYSTEM}`);
  return {
    role:
      part('role') < 0
        ? r.fail(`extension[${index}]`, 'must name a role')
        : r.string(at('role', 'valueCode')),
    organisation:
      part('organisation') < 0
        ? r.fail(`extension[${index}]`, 'must name an organisation')
        : r.string(at('organisation', 'valueIdentifier.value')),
    reason: part('reason') < 0 ? null : r.string(at('reason', 'valueString')),
  };
}

/**
 * A FHIR resource sent to carelog, as the entry it records. `path` names the resource in
 * errors (`Bundle.entry[2].resource`). Anything it cannot read is refused with
 * `invalid-fhir-resource` and the element; the entry then passes the producer's own checks.
 */
export function fhirToEntry(resource: unknown, path?: string): EntryDraft {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource))
    throw new DomainError('invalid-fhir-resource', 'must be a FHIR resource', path ?? 'resource');
  const resourceType = (resource as Record<string, unknown>)['resourceType'];
  const name = typeof resourceType === 'string' ? resourceType : 'Resource';
  const r = new ResourceReader(resource as Record<string, unknown>, path ?? name);
  if (typeof resourceType !== 'string') return r.fail('resourceType', 'is required');
  const type = entryTypeOf(r, resourceType);
  const inverse = INVERSES[type];
  const patientElement = PATIENT_ELEMENT[resourceTypeOf(type)] ?? 'subject';
  return {
    patient: { nhsNumber: r.nhsNumber(patientElement) },
    type,
    occurredAt: inverse.occurredAt(r),
    payload: inverse.payload(r),
    sensitivity: sensitivityOf(r),
    attention: attentionOf(r),
  };
}
