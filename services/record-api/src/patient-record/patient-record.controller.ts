import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import {
  buildJournal,
  DomainError,
  journalLines,
  VIEW_ROLES,
  type EntryFacts,
  type JournalLine,
  type ViewRole,
} from '@carelog/domain';
import { CallerGuard, CurrentCaller } from '@carelog/nest-platform';
import { PatientGate } from '../patient-gate/patient-gate';
import {
  factsOf,
  parseRecordFilters,
  RecordQuery,
  visibleTo,
  type EntryView,
  type RecordPage,
} from './record-query';

function parseView(requested: string | undefined, caller: Caller): ViewRole {
  const view = requested ?? caller.role;
  if (!(VIEW_ROLES as readonly string[]).includes(view)) {
    throw new DomainError('invalid-view', `must be one of ${VIEW_ROLES.join(', ')}`, 'view');
  }
  return view as ViewRole;
}

@ApiTags('record')
@ApiBearerAuth()
@Controller('v1/patients/:nhsNumber')
@UseGuards(CallerGuard)
export class PatientRecordController {
  constructor(
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(RecordQuery) private readonly records: RecordQuery,
  ) {}

  @Get('record')
  @ApiOperation({
    summary:
      'The joined-up record the caller may see, oldest first; asAt gives it as it stood then',
  })
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
  @ApiQuery({
    name: 'asAt',
    required: false,
    description: 'ISO 8601; the record as carelog held it then',
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 200, default 50' })
  async record(
    @Param('nhsNumber') nhsNumber: string,
    @Query() query: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
  ): Promise<RecordPage> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-record');
    const page = await this.records.page(patient, parseRecordFilters(query));
    // The audit row needs only what is shown; the withheld count, a scan of the whole record,
    // runs beside it. Both are done before anything is answered.
    const [withheld] = await Promise.all([page.withheld, patient.audit(page.entries.length)]);
    return { ...page, withheld };
  }

  @Get('journal')
  @ApiOperation({
    summary:
      "A journal view (default: the caller's): a narrative and sections, each one timeline of entries, digest lines of routine entries and folds of near-identical notes",
  })
  @ApiQuery({ name: 'view', required: false, enum: [...VIEW_ROLES] })
  @ApiQuery({
    name: 'expand',
    required: false,
    description: 'Comma-separated ids of digest and fold lines to expand into their entries',
  })
  @ApiQuery({
    name: 'asAt',
    required: false,
    description: 'ISO 8601; the view as it would have been shown then',
  })
  async journal(
    @Param('nhsNumber') nhsNumber: string,
    @Query('view') requestedView: string | undefined,
    @Query('expand') expand: string | undefined,
    @Query('asAt') asAt: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<unknown> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-journal');
    const view = parseView(requestedView, caller);
    const asAtTime = parseRecordFilters(asAt === undefined ? {} : { asAt }).asAt;
    const all = await this.records.entries(patient.nhsNumber, asAtTime);
    const visible = all.filter((entry) => visibleTo(patient, entry));
    const byId = new Map(visible.map((entry) => [entry.eventId, entry]));
    const journal = buildJournal(
      view,
      { role: view, organisation: caller.organisation },
      visible.map((entry) => factsOf(entry)),
      { now: new Date(), expand: expand ? expand.split(',') : [] },
    );
    const asView = (item: { entry: { eventId: string }; flagged: string[] }) => ({
      ...(byId.get(item.entry.eventId) as EntryView),
      flagged: item.flagged,
    });
    // Digest and fold lines are returned as they are; an entry line carries the entry itself.
    const lines = (list: Array<JournalLine<EntryFacts>>) =>
      list.map((line) => (line.kind === 'entry' ? { kind: line.kind, ...asView(line) } : line));
    await patient.audit(journalLines(journal).length);
    return {
      patient: { nhsNumber: patient.nhsNumber },
      view,
      asAt: asAtTime?.toISOString() ?? null,
      narrative: lines(journal.narrative),
      sections: journal.sections.map((section) => ({
        section: section.section,
        entries: lines(section.items),
      })),
      expanded: Object.fromEntries(
        Object.entries(journal.expanded).map(([id, list]) => [id, list.map(asView)]),
      ),
      withheld: all.length - visible.length + journal.leftOut,
    };
  }

  @Get('entries/:eventId')
  @ApiOperation({ summary: 'One entry in its current version (entered-in-error entries say so)' })
  async entry(
    @Param('nhsNumber') nhsNumber: string,
    @Param('eventId') eventId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<EntryView> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-entry');
    const entry = await this.records.entry(patient, eventId).catch(async (error: unknown) => {
      await patient.audit(0);
      throw error;
    });
    await patient.audit(1);
    return entry;
  }

  @Get('entries/:eventId/history')
  @ApiOperation({
    summary: 'Every version of an entry, oldest first, with corrections and their reasons',
  })
  async history(
    @Param('nhsNumber') nhsNumber: string,
    @Param('eventId') eventId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<unknown> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-entry-history');
    const history = await this.records.history(patient, eventId).catch(async (error: unknown) => {
      await patient.audit(0);
      throw error;
    });
    await patient.audit(history.versions.length);
    return history;
  }
}
