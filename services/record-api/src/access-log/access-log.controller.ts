import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditTrail } from '@carelog/audit';
import type { Caller } from '@carelog/auth';
import { DomainError, isValidNhsNumber } from '@carelog/domain';
import { CallerGuard, CurrentCaller } from '@carelog/nest-platform';
import { PatientGate } from '../patient-gate/patient-gate';

@ApiTags('access log')
@ApiBearerAuth()
@Controller('v1')
@UseGuards(CallerGuard)
export class AccessLogController {
  constructor(
    @Inject(AuditTrail) private readonly auditTrail: AuditTrail,
    @Inject(PatientGate) private readonly gate: PatientGate,
  ) {}

  @Get('patients/:nhsNumber/access-log')
  @ApiOperation({
    summary:
      'Who (role, organisation) read this record, what, and when: for the patient and privacy officers',
  })
  async accessLog(
    @Param('nhsNumber') nhsNumber: string,
    @Query('limit') limit: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<unknown> {
    const size = Math.min(Math.max(Number(limit ?? 100) || 100, 1), 500);
    if (caller.role === 'privacy-officer') {
      if (!isValidNhsNumber(nhsNumber))
        throw new DomainError(
          'invalid-nhs-number',
          'must be a 10-digit NHS number with a valid check digit',
          'nhsNumber',
        );
      const events = await this.auditTrail.accessLog(nhsNumber, { limit: size });
      await this.gate.record({
        accessId: randomUUID(),
        occurredAt: new Date(),
        actor: { userId: caller.userId, role: caller.role, organisation: caller.organisation },
        nhsNumber,
        action: 'read-access-log',
        outcome: 'allowed',
        entriesShown: events.length,
        breakGlass: null,
      });
      return { patient: { nhsNumber }, accesses: events };
    }
    const patient = await this.gate.open(caller, nhsNumber, 'read-access-log');
    if (patient.access.basis !== 'patient') {
      await patient.audit(0);
      throw new DomainError(
        'not-permitted',
        'the access log is for the patient and privacy officers',
        'Authorization',
      );
    }
    const events = await this.auditTrail.accessLog(nhsNumber, { limit: size });
    await patient.audit(events.length);
    return { patient: { nhsNumber }, accesses: events };
  }

  @Get('privacy/break-glass-alerts')
  @ApiOperation({ summary: "The privacy officer's queue of break-glass uses to review" })
  async breakGlassAlerts(@CurrentCaller() caller: Caller): Promise<unknown> {
    if (caller.role !== 'privacy-officer')
      throw new DomainError('not-permitted', 'for privacy officers', 'Authorization');
    return { alerts: await this.auditTrail.privacyAlerts({ limit: 200 }) };
  }
}
