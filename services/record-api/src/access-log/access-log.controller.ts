import { randomUUID } from 'node:crypto';
import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuditTrail } from '@carelog/audit';
import type { Caller } from '@carelog/auth';
import { DomainError, isValidNhsNumber } from '@carelog/domain';
import {
  ApiAnswer,
  ApiNhsNumberParam,
  ApiProblems,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import { ACCESS_LOG_SCHEMA } from '../openapi-schemas';
import { PatientGate } from '../patient-gate/patient-gate';
import { PrivacyOfficerScopes } from '../privacy/privacy-officer-scopes';

@ApiTags('access log')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, 404)
@Controller('v1')
@UseGuards(CallerGuard)
export class AccessLogController {
  constructor(
    @Inject(AuditTrail) private readonly auditTrail: AuditTrail,
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(PrivacyOfficerScopes) private readonly scopes: PrivacyOfficerScopes,
  ) {}

  @Get('patients/:nhsNumber/access-log')
  @ApiOperation({
    summary:
      'Who (role, organisation) read this record, what, when, and on what basis (break-glass and claims with their reasons): for the patient, and for privacy officers the accesses by staff of the organisations they review',
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: '1 to 500, default 100; one outside is brought within',
  })
  @ApiAnswer(200, 'Newest first', ACCESS_LOG_SCHEMA)
  @ApiNhsNumberParam()
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
      const events = await this.auditTrail.accessLog(nhsNumber, {
        limit: size,
        scope: this.scopes.scopeOf(caller.organisation),
      });
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
}
