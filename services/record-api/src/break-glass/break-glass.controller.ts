import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import {
  ApiAnswer,
  ApiNhsNumberParam,
  ApiProblems,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import { BREAK_GLASS_SCHEMA } from '../openapi-schemas';
import { PatientGate } from '../patient-gate/patient-gate';
import {
  MAX_REASON,
  MIN_REASON,
  requireStaffFor,
  statedReason,
} from '../patient-gate/staff-requests';
import { BreakGlassGrants, breakGlassMinutes } from './break-glass-grants';
import { BREAK_GLASS_REFUSAL_CODES } from '../oversight-metrics/oversight-labels';
import { breakGlassRequests, countOutcome } from '../oversight-metrics/oversight-metrics';

@ApiTags('break-glass')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, 404)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber/break-glass')
@UseGuards(CallerGuard)
export class BreakGlassController {
  constructor(
    @Inject(BreakGlassGrants) private readonly grants: BreakGlassGrants,
    @Inject(PatientGate) private readonly gate: PatientGate,
  ) {}

  /**
   * Emergency access for staff without a care relationship: needs a stated reason, lasts a
   * limited time, is always audited and goes to the privacy officer's queue.
   */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Break glass: time-limited emergency access with a stated reason; alerts the privacy officer',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: {
        reason: {
          type: 'string',
          format: 'free-text',
          minLength: MIN_REASON,
          maxLength: MAX_REASON,
        },
      },
    },
  })
  @ApiAnswer(201, 'Granted until expiresAt', BREAK_GLASS_SCHEMA, {
    links: {
      record: {
        operationId: 'PatientRecordController_record',
        parameters: { nhsNumber: '$request.path.nhsNumber' },
      },
    },
  })
  @ApiProblems(...BODY_PROBLEMS)
  breakGlass(
    @Param('nhsNumber') nhsNumber: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<{ grantId: string; expiresAt: string }> {
    // Counted by outcome and refusal code only (carelog_break_glass_requests_total).
    return countOutcome(breakGlassRequests, BREAK_GLASS_REFUSAL_CODES, async () => ({
      outcome: 'granted',
      answer: await this.grant(nhsNumber, body, caller),
    }));
  }

  private async grant(
    nhsNumber: string,
    body: unknown,
    caller: Caller,
  ): Promise<{ grantId: string; expiresAt: string }> {
    let reason: string;
    try {
      requireStaffFor(caller, nhsNumber, 'break glass');
      reason = statedReason(body, 'break-glass-reason-required');
    } catch (refusal) {
      // A refused attempt is audited too; repeated refusals alert the privacy officer.
      await this.gate.record({
        accessId: randomUUID(),
        occurredAt: new Date(),
        actor: { userId: caller.userId, role: caller.role, organisation: caller.organisation },
        nhsNumber,
        action: 'break-glass',
        outcome: 'denied',
        entriesShown: null,
        breakGlass: null,
      });
      throw refusal;
    }
    const grantedAt = new Date();
    const expiresAt = new Date(grantedAt.getTime() + breakGlassMinutes() * 60_000);
    const grantId = randomUUID();
    await this.grants.grant({
      grantId,
      userId: caller.userId,
      organisation: caller.organisation,
      role: caller.role,
      nhsNumber,
      reason,
      grantedAt,
      expiresAt,
    });
    await this.gate.record({
      accessId: grantId,
      occurredAt: grantedAt,
      actor: { userId: caller.userId, role: caller.role, organisation: caller.organisation },
      nhsNumber,
      action: 'break-glass',
      outcome: 'allowed',
      entriesShown: null,
      breakGlass: { reason, expiresAt },
      basis: 'break-glass',
    });
    return { grantId, expiresAt: expiresAt.toISOString() };
  }
}
