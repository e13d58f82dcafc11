import { currentMedicines, type MedicineEntry, type MedicineEntryType } from './current-medicines';

const AMLODIPINE = { system: 'https://dmd.nhs.uk', code: '318135001', display: 'Amlodipine 5mg' };
const AMLODIPINE_10 = {
  system: 'https://dmd.nhs.uk',
  code: '319283006',
  display: 'Amlodipine 10mg',
};
const RAMIPRIL = { system: 'https://dmd.nhs.uk', code: '318885001', display: 'Ramipril 2.5mg' };

let sequence = 0;
const entry = (
  entryType: MedicineEntryType,
  occurredAt: string,
  payload: Record<string, unknown>,
  organisation = entryType === 'MedicineDispensed' ? 'FA123' : 'A81001',
): MedicineEntry => ({
  eventId: `00000000-0000-4000-8000-${String(++sequence).padStart(12, '0')}`,
  entryType,
  occurredAt: new Date(occurredAt),
  payload,
  source: { organisation },
});

const prescribed = (
  medicationId: string | null,
  at = '2026-01-05T09:00:00Z',
  medication = AMLODIPINE,
) =>
  entry('MedicationPrescribed', at, {
    medication,
    dosageInstructions: 'One tablet once a day',
    quantity: '28 tablet',
    prescriptionType: 'repeat',
    medicationId,
  });

/** Given these entries, when this one is recorded, then the medicines are... */
function given(...history: MedicineEntry[]) {
  return {
    when: (...more: MedicineEntry[]) => ({
      then: (check: (medicines: ReturnType<typeof currentMedicines>) => void) =>
        check(currentMedicines([...history, ...more])),
    }),
  };
}

describe('current medicines: a medicine’s whole life, folded from its entries', () => {
  it('a prescription is a current medicine whose latest prescription is prescribed', () => {
    given()
      .when(prescribed('med-1'))
      .then(({ current, stopped }) => {
        expect(stopped).toEqual([]);
        expect(current).toHaveLength(1);
        expect(current[0]).toMatchObject({
          medicationId: 'med-1',
          medication: AMLODIPINE,
          status: 'current',
          dosageInstructions: 'One tablet once a day',
          latestPrescription: { stage: 'prescribed' },
        });
      });
  });

  it('an issue, then a dispensing that fulfils it, move the prescription on to dispensed', () => {
    const prescription = prescribed('med-1');
    const issue = entry('MedicationIssued', '2026-01-05T09:05:00Z', {
      medication: AMLODIPINE,
      quantity: '28 tablet',
      issueNumber: 1,
      prescriptionEventId: prescription.eventId,
      medicationId: 'med-1',
      nominatedPharmacy: 'FA123',
    });
    given(prescription)
      .when(issue)
      .then(({ current }) =>
        expect(current[0]?.latestPrescription).toMatchObject({
          stage: 'issued',
          issuedEventId: issue.eventId,
          nominatedPharmacy: 'FA123',
        }),
      );
    // The pharmacy names the issue it fulfils, not the course id: the issue links them.
    const dispensing = entry('MedicineDispensed', '2026-01-06T15:00:00Z', {
      medication: AMLODIPINE,
      quantity: '28 tablet',
      prescriptionEventId: issue.eventId,
      medicationId: null,
    });
    given(prescription, issue)
      .when(dispensing)
      .then(({ current }) =>
        expect(current[0]?.latestPrescription).toMatchObject({
          stage: 'dispensed',
          prescribedEventId: prescription.eventId,
          issuedEventId: issue.eventId,
          dispensedEventId: dispensing.eventId,
          dispensedBy: 'FA123',
        }),
      );
  });

  it('a new issue after a dispensing starts the next prescription at issued; an old dispensing does not move it', () => {
    const first = entry('MedicationIssued', '2026-01-05T09:05:00Z', {
      medicationId: 'med-1',
      medication: AMLODIPINE,
    });
    const second = entry('MedicationIssued', '2026-02-02T09:05:00Z', {
      medicationId: 'med-1',
      medication: AMLODIPINE,
    });
    const lateForFirst = entry('MedicineDispensed', '2026-02-03T09:00:00Z', {
      prescriptionEventId: first.eventId,
      medication: AMLODIPINE,
    });
    given(prescribed('med-1'), first)
      .when(second, lateForFirst)
      .then(({ current }) => {
        expect(current[0]?.latestPrescription).toMatchObject({
          stage: 'issued',
          issuedEventId: second.eventId,
        });
        expect(current[0]?.history.map((item) => item.type)).toEqual([
          'MedicationPrescribed',
          'MedicationIssued',
          'MedicationIssued',
          'MedicineDispensed',
        ]);
      });
  });

  it('a change of dose keeps the medicine current with its new dose and product', () => {
    given(prescribed('med-1'))
      .when(
        entry('MedicationChanged', '2026-03-01T10:00:00Z', {
          medicationId: 'med-1',
          medication: AMLODIPINE_10,
          dosageInstructions: 'One 10mg tablet once a day',
          previousDosageInstructions: 'One tablet once a day',
          reason: 'Still above target',
        }),
      )
      .then(({ current }) => {
        expect(current[0]).toMatchObject({
          status: 'current',
          medication: AMLODIPINE_10,
          dosageInstructions: 'One 10mg tablet once a day',
        });
        expect(current[0]?.history.at(-1)).toMatchObject({
          type: 'MedicationChanged',
          reason: 'Still above target',
        });
      });
  });

  it('a stopped medicine leaves the current list, with its reason in its history', () => {
    given(prescribed('med-1'), prescribed('med-2', '2026-01-05T09:00:00Z', RAMIPRIL))
      .when(
        entry('MedicationStopped', '2026-04-01T10:00:00Z', {
          medicationId: 'med-1',
          medication: AMLODIPINE,
          reason: 'Ankle swelling',
        }),
      )
      .then(({ current, stopped }) => {
        expect(current.map((medicine) => medicine.medicationId)).toEqual(['med-2']);
        expect(stopped).toHaveLength(1);
        expect(stopped[0]).toMatchObject({
          medicationId: 'med-1',
          status: 'stopped',
          stopped: { at: '2026-04-01T10:00:00.000Z', reason: 'Ankle swelling' },
        });
        expect(stopped[0]?.history.at(-1)).toMatchObject({
          type: 'MedicationStopped',
          reason: 'Ankle swelling',
        });
      });
  });

  it('a new prescription of a stopped course makes it current again', () => {
    given(
      prescribed('med-1'),
      entry('MedicationStopped', '2026-02-01T10:00:00Z', { medicationId: 'med-1', reason: 'x' }),
    )
      .when(prescribed('med-1', '2026-03-01T10:00:00Z'))
      .then(({ current, stopped }) => {
        expect(stopped).toEqual([]);
        expect(current[0]).toMatchObject({ status: 'current', stopped: null });
      });
  });

  it('gives the same answer whatever order the GP and pharmacy entries were read in', () => {
    const prescription = prescribed('med-1');
    const issue = entry('MedicationIssued', '2026-01-05T09:05:00Z', {
      medicationId: 'med-1',
      prescriptionEventId: prescription.eventId,
    });
    const dispensing = entry('MedicineDispensed', '2026-01-06T15:00:00Z', {
      prescriptionEventId: issue.eventId,
    });
    const inOrder = currentMedicines([prescription, issue, dispensing]);
    expect(currentMedicines([dispensing, issue, prescription])).toEqual(inOrder);
    expect(inOrder.current[0]?.latestPrescription?.stage).toBe('dispensed');
  });

  it('links entries written before medicine ids: a prescription is its own course, an issue joins it by code', () => {
    const legacy = prescribed(null);
    given(legacy)
      .when(
        entry('MedicationIssued', '2026-01-05T09:05:00Z', {
          medication: AMLODIPINE,
          prescriptionEventId: null,
        }),
      )
      .then(({ current }) => {
        expect(current).toHaveLength(1);
        expect(current[0]).toMatchObject({
          medicationId: legacy.eventId,
          latestPrescription: { stage: 'issued' },
        });
      });
  });

  it('an issue of a medicine the reader never saw prescribed makes no medicine', () => {
    given()
      .when(entry('MedicationIssued', '2026-01-05T09:05:00Z', { medication: RAMIPRIL }))
      .then(({ current, stopped }) => {
        expect(current).toEqual([]);
        expect(stopped).toEqual([]);
      });
  });
});
