import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import { DomainError, isStaffRole, isValidNhsNumber, parseText } from '@carelog/domain';
import { CallerGuard, CurrentCaller } from '@carelog/nest-platform';
import { PatientGate } from '../patient-gate/patient-gate';
import { BreakGlassGrants, breakGlassMinutes } from './break-glass-grants';

const MIN_REASON = 10;
const MAX_REASON = 2000;

@ApiTags('break-glass')
@ApiBearerAuth()
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
      properties: { reason: { type: 'string', minLength: MIN_REASON, maxLength: MAX_REASON } },
    },
  })
  async breakGlass(
    @Param('nhsNumber') nhsNumber: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<{ grantId: string; expiresAt: string }> {
    if (!isStaffRole(caller.role) || caller.role === 'privacy-officer') {
      throw new DomainError(
        'not-permitted',
        'only clinical and care staff may break glass',
        'Authorization',
      );
    }
    if (!isValidNhsNumber(nhsNumber))
      throw new DomainError(
        'invalid-nhs-number',
        'must be a 10-digit NHS number with a valid check digit',
        'nhsNumber',
      );
    const reason =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)['reason']
        : undefined;
    if (typeof reason !== 'string' || reason.trim().length < MIN_REASON) {
      throw new DomainError(
        'break-glass-reason-required',
        `must state why, in at least ${MIN_REASON} characters`,
        'reason',
      );
    }
    // Free text, kept with the grant and shown to the privacy officer: no control characters.
    const statedReason = parseText(reason.trim(), 'reason', 'free-text', MAX_REASON);
    const grantedAt = new Date();
    const expiresAt = new Date(grantedAt.getTime() + breakGlassMinutes() * 60_000);
    const grantId = randomUUID();
    await this.grants.grant({
      grantId,
      userId: caller.userId,
      organisation: caller.organisation,
      role: caller.role,
      nhsNumber,
      reason: statedReason,
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
      breakGlass: { reason: statedReason, expiresAt },
    });
    return { grantId, expiresAt: expiresAt.toISOString() };
  }
}
