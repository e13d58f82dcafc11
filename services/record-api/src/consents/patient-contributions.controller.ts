import {
  Body,
  Controller,
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
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import { DomainError, LEGALLY_PROTECTED_CATEGORIES } from '@carelog/domain';
import {
  ApiAnswer,
  ApiNhsNumberParam,
  ApiProblems,
  IDEMPOTENCY_KEY,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import {
  ACCEPTED_SCHEMA,
  CARER_SCHEMA,
  CONTRIBUTION_SCHEMA,
  OPT_OUT_SCHEMA,
  OPT_OUT_TYPES,
  SEAL_SCHEMA,
} from '../openapi-schemas';

const RECORDED = 'Recorded on the patient topic';
import { EntryRecorder, type Accepted } from '@carelog/producer';
import { PatientGate } from '../patient-gate/patient-gate';
import { optionalBoolean, optionalText } from '../route-input';

const asObject = (body: unknown): Record<string, unknown> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new DomainError('invalid-body', 'must be a JSON object', 'body');
  return body as Record<string, unknown>;
};

/**
 * What patients and approved carers add to the record, and the patient's consent decisions,
 * published as events on the patient topic like any other entry.
 */
@ApiTags('patient and carer')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, ...BODY_PROBLEMS, 404, 409, 422)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber')
@UseGuards(CallerGuard)
export class PatientContributionsController {
  constructor(
    @Inject(EntryRecorder) private readonly recorder: EntryRecorder,
    @Inject(PatientGate) private readonly gate: PatientGate,
  ) {}

  private async publish(
    caller: Caller,
    nhsNumber: string,
    action: 'write-contribution' | 'write-consent',
    body: Record<string, unknown>,
    key: string | undefined,
  ): Promise<Accepted> {
    const patient = await this.gate.open(caller, nhsNumber, action);
    const onlyPatient = action === 'write-consent';
    if (patient.access.basis !== 'patient' && !(patient.access.basis === 'carer' && !onlyPatient)) {
      await patient.audit(0);
      throw new DomainError(
        'not-permitted',
        onlyPatient
          ? 'only the patient decides their consents'
          : 'for the patient and approved carers',
        'Authorization',
      );
    }
    const accepted = await this.recorder.record(
      { occurredAt: new Date().toISOString(), ...body, patient: { nhsNumber: patient.nhsNumber } },
      key,
      undefined,
      caller,
      // A retry with the same key is compared by the body as sent, without the default time.
      { ...body, patient: { nhsNumber: patient.nhsNumber } },
    );
    await patient.audit(null);
    return accepted;
  }

  @Post('contributions')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Patient or carer data: home readings, wearable summaries, notes, carer observations',
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({ schema: CONTRIBUTION_SCHEMA })
  @ApiAnswer(202, RECORDED, ACCEPTED_SCHEMA, {
    links: {
      entry: {
        operationId: 'PatientRecordController_entry',
        parameters: { nhsNumber: '$request.path.nhsNumber', eventId: '$response.body#/eventId' },
      },
    },
  })
  contribute(
    @Param('nhsNumber') nhsNumber: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    return this.publish(caller, nhsNumber, 'write-contribution', asObject(body), key);
  }

  @Put('consents/opt-outs/:optOutType')
  @HttpCode(202)
  @ApiOperation({ summary: 'Opt out (effective: true) or withdraw an opt-out (effective: false)' })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiParam({ name: 'optOutType', enum: OPT_OUT_TYPES })
  @ApiBody({ schema: OPT_OUT_SCHEMA, required: false })
  @ApiAnswer(202, RECORDED, ACCEPTED_SCHEMA)
  optOut(
    @Param('nhsNumber') nhsNumber: string,
    @Param('optOutType') optOutType: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    const effective = optionalBoolean(asObject(body)['effective'], 'effective', true);
    return this.publish(
      caller,
      nhsNumber,
      'write-consent',
      effective
        ? { type: 'OptOutRecorded', payload: { optOutType, effective: true } }
        : { type: 'OptOutWithdrawn', payload: { optOutType } },
      key,
    );
  }

  @Put('consents/seals/:entryEventId')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Seal an entry from a role, an organisation or a person (sealed: false lifts the seal)',
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiParam({ name: 'entryEventId', schema: { type: 'string', format: 'uuid' } })
  @ApiBody({ schema: SEAL_SCHEMA })
  @ApiAnswer(202, RECORDED, ACCEPTED_SCHEMA)
  seal(
    @Param('nhsNumber') nhsNumber: string,
    @Param('entryEventId') entryEventId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    const request = asObject(body);
    const type = optionalBoolean(request['sealed'], 'sealed', true)
      ? 'EntrySealed'
      : 'EntryUnsealed';
    return this.publish(
      caller,
      nhsNumber,
      'write-consent',
      { type, payload: { entryEventId, sealedFrom: request['sealedFrom'] } },
      key,
    );
  }

  @Put('consents/carers/:carerUserId')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Approve a carer with a scope of journal sections (approved: false revokes)',
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({ schema: CARER_SCHEMA })
  @ApiAnswer(202, RECORDED, ACCEPTED_SCHEMA)
  carer(
    @Param('nhsNumber') nhsNumber: string,
    @Param('carerUserId') carerUserId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    const { approved, reason, ...details } = asObject(body);
    const revoking = !optionalBoolean(approved, 'approved', true);
    // A revocation has only `approved` and `reason`: a field it does not take is refused, not
    // dropped (schemathesis found one accepted).
    const [undeclared] = revoking ? Object.keys(details) : [];
    if (undeclared !== undefined)
      throw new DomainError('invalid-body', 'is not a field of a revocation', undeclared);
    return this.publish(
      caller,
      nhsNumber,
      'write-consent',
      revoking
        ? { type: 'CarerRevoked', payload: { carerUserId, reason: optionalText(reason, 'reason') } }
        : { type: 'CarerApproved', payload: { ...details, carerUserId } },
      key,
    );
  }

  @Put('consents/sharing/:category/:organisation')
  @HttpCode(202)
  @ApiOperation({ summary: 'Share entries of a legally protected category with an organisation' })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiParam({ name: 'category', enum: LEGALLY_PROTECTED_CATEGORIES })
  @ApiBody({
    required: false,
    schema: { type: 'object', description: 'none needed: the path says what is shared' },
  })
  @ApiAnswer(202, RECORDED, ACCEPTED_SCHEMA)
  share(
    @Param('nhsNumber') nhsNumber: string,
    @Param('category') category: string,
    @Param('organisation') organisation: string,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    // Only a legally protected category is withheld without consent, so only one can be shared.
    if (!(LEGALLY_PROTECTED_CATEGORIES as readonly string[]).includes(category))
      throw new DomainError(
        'invalid-category',
        `must be one of ${LEGALLY_PROTECTED_CATEGORIES.join(', ')}`,
        'category',
      );
    return this.publish(
      caller,
      nhsNumber,
      'write-consent',
      {
        type: 'SensitiveInformationShared',
        payload: {
          category,
          sharedWithOrganisation: organisation,
          consentGivenAt: new Date().toISOString(),
        },
      },
      key,
    );
  }
}
