import {
  Body,
  Controller,
  Delete,
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
import type { AnyCaller } from '@carelog/auth';
import { DomainError, isRole, isStaffRole, isValidNhsNumber, ROLES } from '@carelog/domain';
import {
  AnyCallerGuard,
  ApiAnswer,
  ApiNhsNumberParam,
  ApiProblems,
  IDEMPOTENCY_KEY,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CurrentAnyCaller,
} from '@carelog/nest-platform';
import { ACCEPTED_SCHEMA, REQUIRED_TEXT_SCHEMA } from '../openapi-schemas';
import { EntryRecorder, type Accepted } from '@carelog/producer';
import type { DataSource } from 'typeorm';
import { asObject, optionalText, recordNow, requiredText } from '../route-input';

export const HAND_OVER_READ_MODEL = Symbol('HAND_OVER_READ_MODEL');

/** The roles a care team member may have: staff who care (careTeamRole). */
const CARE_TEAM_ROLES = ROLES.filter((role) => isStaffRole(role) && role !== 'privacy-officer');

function careTeamRole(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !isRole(value) ||
    !isStaffRole(value) ||
    value === 'privacy-officer'
  )
    throw new DomainError(
      'invalid-care-team-role',
      'must be a care role (gp, community-nurse, care-worker, ...)',
      'role',
    );
  return value;
}

/**
 * Hand-overs (docs/architecture.md, "Legitimate relationships", way 2): an organisation that holds an
 * active relationship adds another organisation's team to the care team or takes it off, and
 * the receiver of a referral accepts it. Each is an event on the patient topic; the
 * relationship rules of every write decide whether it may be recorded.
 */
@ApiTags('care team and referrals')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber')
@UseGuards(AnyCallerGuard)
export class HandOversController {
  constructor(
    @Inject(EntryRecorder) private readonly recorder: EntryRecorder,
    @Inject(HAND_OVER_READ_MODEL) private readonly readModel: DataSource,
  ) {}

  @Put('care-team/:organisation')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Add an organisation's team to the care team (gives it a care relationship); only an organisation that holds one may",
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['role', 'reason'],
      properties: {
        role: { type: 'string', enum: CARE_TEAM_ROLES, example: 'community-nurse' },
        team: { type: 'string', example: 'District nursing East' },
        reason: { ...REQUIRED_TEXT_SCHEMA, example: 'Leg ulcer care, twice weekly dressings.' },
      },
    },
    examples: {
      'district nursing team': {
        value: {
          role: 'community-nurse',
          team: 'District nursing East',
          reason: 'Leg ulcer care, twice weekly dressings.',
        },
      },
    },
  })
  @ApiAnswer(202, 'Recorded on the patient topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
  @ApiResponse({
    status: 403,
    description:
      '`relationship-start-not-permitted`: the caller’s organisation holds no active care relationship',
  })
  addToCareTeam(
    @Param('nhsNumber') nhsNumber: string,
    @Param('organisation') organisation: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentAnyCaller() caller: AnyCaller,
  ): Promise<Accepted> {
    const request = asObject(body);
    return recordNow(
      this.recorder,
      caller,
      nhsNumber,
      'CareTeamMemberAdded',
      {
        organisation: requiredText(organisation, 'organisation'),
        role: careTeamRole(request['role']),
        team: optionalText(request['team'], 'team'),
        reason: requiredText(request['reason'], 'reason'),
      },
      key,
    );
  }

  @Delete('care-team/:organisation')
  @HttpCode(202)
  @ApiOperation({
    summary: "Take an organisation's team off the care team (ends its care-team relationship)",
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['role', 'reason'],
      properties: {
        role: { type: 'string', enum: CARE_TEAM_ROLES },
        reason: REQUIRED_TEXT_SCHEMA,
      },
    },
    examples: {
      'care finished': { value: { role: 'community-nurse', reason: 'Ulcer healed.' } },
    },
  })
  @ApiAnswer(202, 'Recorded on the patient topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
  @ApiResponse({
    status: 403,
    description: '`care-relationship-required`: the caller’s organisation holds no relationship',
  })
  removeFromCareTeam(
    @Param('nhsNumber') nhsNumber: string,
    @Param('organisation') organisation: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentAnyCaller() caller: AnyCaller,
  ): Promise<Accepted> {
    const request = asObject(body);
    return recordNow(
      this.recorder,
      caller,
      nhsNumber,
      'CareTeamMemberRemoved',
      {
        organisation: requiredText(organisation, 'organisation'),
        role: careTeamRole(request['role']),
        reason: requiredText(request['reason'], 'reason'),
      },
      key,
    );
  }

  @Post('referrals/:referralEventId/acceptance')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Accept a referral made to the caller’s organisation (ReferralMade with receivingOrganisation): gives it a care relationship',
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: true })
  @ApiBody({
    schema: { type: 'object', properties: { note: { type: 'string', format: 'free-text' } } },
    examples: {
      accepted: { value: { note: 'Accepted onto the community heart failure caseload.' } },
    },
  })
  @ApiAnswer(202, 'Recorded on the patient topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 403, 404, 409, 422)
  @ApiResponse({
    status: 404,
    description:
      '`referral-not-found`: no current referral with that id names the caller’s organisation',
  })
  async acceptReferral(
    @Param('nhsNumber') nhsNumber: string,
    @Param('referralEventId') referralEventId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentAnyCaller() caller: AnyCaller,
  ): Promise<Accepted> {
    const note = optionalText(asObject(body)['note'], 'note');
    // Another organisation's referral answers as one that does not exist.
    const referral =
      isValidNhsNumber(nhsNumber) && /^[0-9a-f-]{36}$/i.test(referralEventId)
        ? (
            await this.readModel.query<Array<{ referring: string }>>(
              `SELECT source->>'organisation' AS referring FROM record_entry
               WHERE event_id = $1 AND nhs_number = $2 AND entry_type = 'ReferralMade'
                 AND status = 'current' AND payload->>'receivingOrganisation' = $3`,
              [referralEventId, nhsNumber, caller.organisation],
            )
          )[0]
        : undefined;
    if (!referral)
      throw new DomainError(
        'referral-not-found',
        'no current referral with that id names your organisation',
        'referralEventId',
      );
    return recordNow(
      this.recorder,
      caller,
      nhsNumber,
      'ReferralAccepted',
      { referralEventId, referringOrganisation: referral.referring, note },
      key,
    );
  }
}
