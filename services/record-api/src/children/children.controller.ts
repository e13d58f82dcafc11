import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AnyCaller, Caller } from '@carelog/auth';
import { DomainError, PAYLOAD_VOCABULARIES } from '@carelog/domain';
import {
  AnyCallerGuard,
  ApiAnswer,
  ApiNhsNumberParam,
  ApiProblems,
  IDEMPOTENCY_KEY,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentAnyCaller,
  CurrentCaller,
} from '@carelog/nest-platform';
import { ACCEPTED_SCHEMA, FAMILY_SCHEMA, REQUIRED_TEXT_SCHEMA } from '../openapi-schemas';
import { EntryRecorder, type Accepted } from '@carelog/producer';
import type { DataSource } from 'typeorm';
import { PatientGate } from '../patient-gate/patient-gate';
import { asObject, optionalText, recordNow, requiredText } from '../route-input';

export const CHILDREN_READ_MODEL = Symbol('CHILDREN_READ_MODEL');

/** A link from this record to another, as the family route answers it. */
export interface FamilyLink {
  nhsNumber: string;
  /** What the linked record's person is to this one's. */
  relation: 'mother' | 'child';
  bornAt: string;
}

/**
 * Children's records (docs/architecture.md, "Children"): parental responsibility recorded on the child's
 * record by the GP practice or the council that cares for the child; the child's own decision,
 * from the policy's age, whether a parent may read; and the links between a child's record and
 * its mother's, shown to a reader who may read both.
 */
@ApiTags('children')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, 404)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber')
export class ChildrenController {
  constructor(
    @Inject(EntryRecorder) private readonly recorder: EntryRecorder,
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(CHILDREN_READ_MODEL) private readonly readModel: DataSource,
  ) {}

  @Put('parental-responsibility/:personNhsNumber')
  @UseGuards(AnyCallerGuard)
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Record that a person holds parental responsibility for the child (on the child's record): the GP practice registering the child or the council holding its case",
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['relationshipToChild', 'basis'],
      properties: {
        relationshipToChild: {
          type: 'string',
          enum: [
            ...(PAYLOAD_VOCABULARIES['ParentalResponsibilityRecorded.relationshipToChild'] ?? []),
          ],
        },
        basis: {
          type: 'string',
          enum: [...(PAYLOAD_VOCABULARIES['ParentalResponsibilityRecorded.basis'] ?? [])],
        },
        note: REQUIRED_TEXT_SCHEMA,
      },
    },
    examples: {
      'father on the birth certificate': {
        value: {
          relationshipToChild: 'father',
          basis: 'birth-registration',
          note: 'Named on the birth certificate.',
        },
      },
    },
  })
  @ApiAnswer(202, 'Recorded on the patient topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
  @ApiResponse({
    status: 403,
    description:
      '`relationship-kind-required`: the caller’s organisation holds no GP registration or social care case for the child',
  })
  recordResponsibility(
    @Param('nhsNumber') nhsNumber: string,
    @Param('personNhsNumber') personNhsNumber: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentAnyCaller() caller: AnyCaller,
  ): Promise<Accepted> {
    const request = asObject(body);
    return recordNow(
      this.recorder,
      caller,
      nhsNumber,
      'ParentalResponsibilityRecorded',
      {
        personNhsNumber,
        relationshipToChild: request['relationshipToChild'],
        basis: request['basis'],
        note: optionalText(request['note'], 'note'),
      },
      key,
    );
  }

  @Post('parental-responsibility/:personNhsNumber/end')
  @UseGuards(AnyCallerGuard)
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Record that a person's parental responsibility for the child ended: they no longer read the child's record",
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: {
        reason: REQUIRED_TEXT_SCHEMA,
      },
    },
    examples: { 'adoption order': { value: { reason: 'Adoption order made.' } } },
  })
  @ApiAnswer(202, 'Recorded on the patient topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
  @ApiResponse({ status: 403, description: '`relationship-kind-required`' })
  endResponsibility(
    @Param('nhsNumber') nhsNumber: string,
    @Param('personNhsNumber') personNhsNumber: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentAnyCaller() caller: AnyCaller,
  ): Promise<Accepted> {
    const reason = requiredText(asObject(body)['reason'], 'reason');
    return recordNow(
      this.recorder,
      caller,
      nhsNumber,
      'ParentalResponsibilityEnded',
      { personNhsNumber, reason },
      key,
    );
  }

  @Put('consents/parental-access/:parentNhsNumber')
  @UseGuards(CallerGuard)
  @HttpCode(202)
  @ApiOperation({
    summary:
      'The child (the patient themself) decides whether a person with parental responsibility may read their record: from the policy’s age (11) it is needed',
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['decision'],
      properties: { decision: { type: 'string', enum: ['allowed', 'refused'] } },
    },
    examples: { allowed: { value: { decision: 'allowed' } } },
  })
  @ApiAnswer(202, 'Recorded on the patient topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
  @ApiResponse({ status: 403, description: '`not-permitted`: only the patient decides' })
  async decideParentalAccess(
    @Param('nhsNumber') nhsNumber: string,
    @Param('parentNhsNumber') parentNhsNumber: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    const patient = await this.gate.open(caller, nhsNumber, 'write-consent');
    if (patient.access.basis !== 'patient') {
      await patient.audit(0);
      throw new DomainError(
        'not-permitted',
        'only the patient decides their consents',
        'Authorization',
      );
    }
    const accepted = await recordNow(
      this.recorder,
      caller,
      patient.nhsNumber,
      'ParentalAccessDecided',
      { parentNhsNumber, decision: asObject(body)['decision'] },
      key,
    );
    await patient.audit(null);
    return accepted;
  }

  @Get('family')
  @UseGuards(CallerGuard)
  @ApiOperation({
    summary:
      "The records linked with this one by a recorded birth (the mother's, the children's), each shown only to a reader who may read it too",
  })
  @ApiResponse({
    status: 200,
    description: 'The linked records this reader may read',
    content: {
      'application/json': {
        schema: FAMILY_SCHEMA,
        example: {
          patient: { nhsNumber: '9434765870' },
          links: [
            { nhsNumber: '9434765919', relation: 'mother', bornAt: '2026-04-20T03:12:00.000Z' },
          ],
        },
      },
    },
  })
  async family(
    @Param('nhsNumber') nhsNumber: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ patient: { nhsNumber: string }; links: FamilyLink[] }> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-record');
    const rows = await this.readModel.query<
      Array<{ linked_nhs_number: string; relation: 'mother' | 'child'; born_at: Date }>
    >(
      `SELECT linked_nhs_number, relation, born_at FROM family_link WHERE nhs_number = $1
       ORDER BY born_at, linked_nhs_number`,
      [patient.nhsNumber],
    );
    const now = new Date();
    const links: FamilyLink[] = [];
    for (const row of rows) {
      const { access } = await this.gate.stateAt(patient.viewer, row.linked_nhs_number, now, {
        asRecorded: false,
      });
      if (access.allowed)
        links.push({
          nhsNumber: row.linked_nhs_number,
          relation: row.relation,
          bornAt: row.born_at.toISOString(),
        });
    }
    await patient.audit(links.length);
    return { patient: { nhsNumber: patient.nhsNumber }, links };
  }
}
