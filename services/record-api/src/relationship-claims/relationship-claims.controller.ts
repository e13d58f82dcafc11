import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import { setting } from '@carelog/config';
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
import { CLAIM_SCHEMA } from '../openapi-schemas';
import { acceptedOf, EntryRecorder, type Accepted } from '@carelog/producer';
import { PatientGate } from '../patient-gate/patient-gate';
import { MIN_REASON, requireStaffFor, statedReason } from '../patient-gate/staff-requests';
import { CLAIM_REFUSAL_CODES } from '../oversight-metrics/oversight-labels';
import { countOutcome, relationshipClaims } from '../oversight-metrics/oversight-metrics';

/** How long a claimed relationship lasts (CARELOG_CLAIM_HOURS: at most CLAIM_MAX_HOURS). */
export const claimHours = (): number => setting('CARELOG_CLAIM_HOURS');

/**
 * A person's claim of a legitimate relationship for their own organisation (docs/architecture.md,
 * "Legitimate relationships", way 3): a stated reason, time-limited, published as
 * RelationshipClaimed on the patient topic (the projection makes it a `claim` relationship),
 * recorded as a claim in the audit trail, alerted to the privacy officer, and shown in the
 * patient's access log. Without a reason nothing is recorded.
 */
@ApiTags('relationship claims')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, 404)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber/relationship-claims')
@UseGuards(CallerGuard)
export class RelationshipClaimsController {
  constructor(
    @Inject(EntryRecorder) private readonly recorder: EntryRecorder,
    @Inject(PatientGate) private readonly gate: PatientGate,
  ) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Claim a care relationship for your organisation, with a reason: time-limited (CARELOG_CLAIM_HOURS), audited as a claim, alerted to the privacy officer, shown in the patient's access log",
  })
  @ApiHeader({ ...IDEMPOTENCY_KEY, required: false })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: { reason: { type: 'string', format: 'free-text', minLength: MIN_REASON } },
    },
  })
  @ApiAnswer(
    202,
    'Claimed: recorded on the patient topic, with when the claim ends',
    CLAIM_SCHEMA,
    {
      links: {
        record: {
          operationId: 'PatientRecordController_record',
          parameters: { nhsNumber: '$request.path.nhsNumber' },
        },
      },
    },
  )
  @ApiProblems(...BODY_PROBLEMS, 409, 422)
  claim(
    @Param('nhsNumber') nhsNumber: string,
    @Body() body: unknown,
    @Headers('idempotency-key') key: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted & { expiresAt: string }> {
    // Counted by outcome and refusal code only (carelog_relationship_claims_total).
    return countOutcome(relationshipClaims, CLAIM_REFUSAL_CODES, () =>
      this.makeClaim(nhsNumber, body, key, correlationId, caller),
    );
  }

  private async makeClaim(
    nhsNumber: string,
    body: unknown,
    key: string | undefined,
    correlationId: string | undefined,
    caller: Caller,
  ): Promise<{ outcome: 'claimed' | 'replayed'; answer: Accepted & { expiresAt: string } }> {
    requireStaffFor(caller, nhsNumber, 'claim a relationship');
    const reason = statedReason(body, 'claim-reason-required');
    // A retry with the same key (its answer lost, say) is the same claim: it is answered, and
    // audited, as the first was, at the first one's time, instead of being decided again.
    const request = { type: 'RelationshipClaimed', nhsNumber, reason };
    const earlier = key ? await this.recorder.replayedRequest(caller, key, request) : null;
    const now = earlier?.occurredAt ?? new Date();
    const expiresAt = new Date(now.getTime() + claimHours() * 3_600_000);
    const accepted = earlier
      ? acceptedOf(earlier)
      : await this.recorder.record(
          {
            type: 'RelationshipClaimed',
            occurredAt: now.toISOString(),
            patient: { nhsNumber },
            payload: {
              organisation: caller.organisation,
              reason: reason,
              expiresAt: expiresAt.toISOString(),
            },
          },
          key ?? randomUUID(),
          correlationId,
          caller,
          request,
        );
    await this.gate.record({
      accessId: accepted.eventId,
      occurredAt: now,
      actor: { userId: caller.userId, role: caller.role, organisation: caller.organisation },
      nhsNumber,
      action: 'claim-relationship',
      outcome: 'allowed',
      entriesShown: null,
      breakGlass: null,
      basis: 'claim',
      claim: { reason: reason, expiresAt },
    });
    return {
      outcome: earlier ? 'replayed' : 'claimed',
      answer: { ...accepted, expiresAt: expiresAt.toISOString() },
    };
  }
}
