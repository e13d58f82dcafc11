import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import { isValidNhsNumber, DomainError } from '@carelog/domain';
import { CallerGuard, CurrentCaller } from '@carelog/nest-platform';
import { mayReadPatient, patientNotFound, visibilityScope } from './record-access';
import { parseRecordFilters, RecordQuery, type RecordPage } from './record-query';

@ApiTags('record')
@ApiBearerAuth()
@Controller('v1/patients/:nhsNumber')
@UseGuards(CallerGuard)
export class PatientRecordController {
  constructor(@Inject(RecordQuery) private readonly records: RecordQuery) {}

  @Get('record')
  @ApiOperation({ summary: 'The joined-up record the caller may see, oldest first' })
  @ApiQuery({
    name: 'setting',
    required: false,
    enum: ['gp', 'social-care', 'maternity', 'urgent-care', 'patient'],
  })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'ISO 8601; entries that occurred at or after',
  })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601; entries that occurred before' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  async record(
    @Param('nhsNumber') nhsNumber: string,
    @Query() query: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
  ): Promise<RecordPage> {
    if (!isValidNhsNumber(nhsNumber)) {
      throw new DomainError(
        'invalid-nhs-number',
        'must be a 10-digit NHS number with a valid check digit',
        'nhsNumber',
      );
    }
    const filters = parseRecordFilters(query);
    // The access decision is made before any record row is read.
    if (!mayReadPatient(caller, nhsNumber, await this.records.relationships(nhsNumber)))
      throw patientNotFound();
    return this.records.page(nhsNumber, visibilityScope(caller), filters);
  }
}
