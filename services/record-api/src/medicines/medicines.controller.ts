import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import {
  currentMedicines,
  isMedicineEntryType,
  MEDICINE_ENTRY_TYPES,
  type MedicineEntry,
  type MedicineState,
} from '@carelog/domain';
import {
  ApiNhsNumberParam,
  ApiProblems,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import { MEDICINES_SCHEMA } from '../openapi-schemas';
import { PatientGate } from '../patient-gate/patient-gate';
import { RecordQuery, visibleTo, type EntryView } from '../patient-record/record-query';

export interface MedicinesAnswer {
  patient: { nhsNumber: string };
  current: MedicineState[];
  stopped: MedicineState[];
}

const asMedicineEntry = (entry: EntryView): MedicineEntry[] =>
  isMedicineEntryType(entry.type)
    ? [
        {
          eventId: entry.eventId,
          entryType: entry.type,
          occurredAt: new Date(entry.occurredAt),
          payload: entry.payload,
          source: entry.source,
        },
      ]
    : [];

const EXAMPLE: MedicinesAnswer = {
  patient: { nhsNumber: '9434765919' },
  current: [
    {
      medicationId: 'med-7f3c2a',
      medication: {
        system: 'https://dmd.nhs.uk',
        code: '318135001',
        display: 'Amlodipine 5mg tablets',
      },
      dosageInstructions: 'One tablet once a day',
      status: 'current',
      latestPrescription: {
        stage: 'dispensed',
        prescribedEventId: '2f0c3e64-8d7b-4c55-9b1e-0d8f2a7c1e11',
        prescribedAt: '2026-05-12T09:00:00.000Z',
        issuedEventId: '6b1f9d2e-4c1a-4f5e-9a3b-2d7c8e9f0a1b',
        issuedAt: '2026-05-12T09:05:00.000Z',
        nominatedPharmacy: 'FA123',
        dispensedEventId: '9c4d1b7a-2e3f-4a5b-8c6d-7e8f9a0b1c2d',
        dispensedAt: '2026-05-13T15:20:00.000Z',
        dispensedBy: 'FA123',
      },
      stopped: null,
      history: [],
    },
  ],
  stopped: [
    {
      medicationId: 'med-1a2b3c',
      medication: {
        system: 'https://dmd.nhs.uk',
        code: '318885001',
        display: 'Ramipril 2.5mg capsules',
      },
      dosageInstructions: 'One capsule once a day',
      status: 'stopped',
      latestPrescription: null,
      stopped: { at: '2026-04-14T11:00:00.000Z', reason: 'Persistent dry cough' },
      history: [
        {
          eventId: '3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
          type: 'MedicationStopped',
          occurredAt: '2026-04-14T11:00:00.000Z',
          organisation: 'A81001',
          dosageInstructions: null,
          reason: 'Persistent dry cough',
        },
      ],
    },
  ],
};

@ApiTags('record')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, 404)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber')
@UseGuards(CallerGuard)
export class MedicinesController {
  constructor(
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(RecordQuery) private readonly records: RecordQuery,
  ) {}

  @Get('medicines')
  @ApiOperation({
    summary:
      "The patient's current medicines, each with where its latest prescription stands (prescribed, issued, dispensed), and the stopped ones with their reason and history",
    description:
      'Folded from the medicine entries the caller may see, under the same access rules and audit as every read: a carer only within the medicines section the patient chose.',
  })
  @ApiOkResponse({
    description: 'Current and stopped medicines',
    content: { 'application/json': { schema: MEDICINES_SCHEMA, example: EXAMPLE } },
  })
  async medicines(
    @Param('nhsNumber') nhsNumber: string,
    @CurrentCaller() caller: Caller,
  ): Promise<MedicinesAnswer> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-record');
    const visible = (
      await this.records.entriesOfTypes(patient.nhsNumber, MEDICINE_ENTRY_TYPES)
    ).filter((entry) => visibleTo(patient, entry));
    const { current, stopped } = currentMedicines(visible.flatMap(asMedicineEntry));
    await patient.audit(visible.length);
    return { patient: { nhsNumber: patient.nhsNumber }, current, stopped };
  }
}
