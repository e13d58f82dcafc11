import { Body, Controller, Get, Inject, Param, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import {
  buildJournal,
  decodePageCursor,
  DomainError,
  encodePageCursor,
  type CursorIdReader,
  DEFAULT_JOURNAL_PAGE,
  isHeldResultPayload,
  isNewSince,
  journalLines,
  journalPage,
  MAX_JOURNAL_PAGE,
  type JournalPosition,
  type JournalTaskStatus,
  SOURCE_DOMAINS,
  VIEW_ROLES,
  type EntryFacts,
  type JournalLine,
  type ViewRole,
} from '@carelog/domain';
import {
  ApiAnswer,
  ApiNhsNumberParam,
  ApiProblems,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import {
  ENTRY_SCHEMA,
  HISTORY_SCHEMA,
  JOURNAL_SCHEMA,
  MARK_SCHEMA,
  RECORD_PAGE_SCHEMA,
} from '../openapi-schemas';
import {
  disclosureIn,
  PatientGate,
  stricter,
  type OpenedPatient,
} from '../patient-gate/patient-gate';
import {
  disclosureTo,
  factsOf,
  leftOutCount,
  parseRecordFilters,
  RecordQuery,
  type Discloser,
  type EntryView,
  type RecordPage,
} from './record-query';
import { JournalMarks } from './journal-marks';
import { JournalTasks } from '../tasks/journal-tasks';

/** OpenAPI: how a held result reaches patients and carers (README, "Results for patients"). */
const HELD_RESULTS =
  "A test result the release policy still holds is shown to a patient or carer as `{ status: 'waiting-for-your-care-team', label, message }` (no test name, value or interpretation) until a clinician reviews it (TestResultReviewed) or the policy's time passes";

function parseView(requested: string | undefined, caller: Caller): ViewRole {
  const view = requested ?? caller.role;
  if (!(VIEW_ROLES as readonly string[]).includes(view)) {
    throw new DomainError('invalid-view', `must be one of ${VIEW_ROLES.join(', ')}`, 'view');
  }
  return view as ViewRole;
}

/** A journal line's id (an entry's event id, a digest's or a fold's id) as its cursor carries it. */
const journalLineId: CursorIdReader = (id) => (id.length > 0 ? id : undefined);

/** The one page-cursor codec (decodePageCursor), over a line's position. */
const journalCursor = (position: JournalPosition): string =>
  encodePageCursor({ at: new Date(position.at), id: position.tie });

/** A journal page: `limit` lines (1 to 500, default 200) after `cursor` (a line's position). */
export function parseJournalPage(
  limit: string | undefined,
  cursor: string | undefined,
): { limit: number; after?: JournalPosition } {
  const size = limit === undefined ? DEFAULT_JOURNAL_PAGE : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > MAX_JOURNAL_PAGE)
    throw new DomainError(
      'invalid-filter',
      `must be a whole number from 1 to ${MAX_JOURNAL_PAGE}`,
      'limit',
    );
  if (cursor === undefined) return { limit: size };
  const after = decodePageCursor(cursor, 'cursor', journalLineId);
  return { limit: size, after: { at: after.at.getTime(), tie: after.id } };
}

function parseInstant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()))
    throw new DomainError('invalid-filter', 'must be an ISO 8601 date-time', field);
  return parsed;
}

/**
 * How entries reach the reader: now, by today's rules; as at an earlier time, by the stricter
 * of today's rules and the rules as they stood then (relationships, break-glass, seals,
 * shares, carer approvals), so an as-at read never shows more than either would.
 */
async function discloserFor(
  gate: PatientGate,
  patient: OpenedPatient,
  asAt: Date | undefined,
): Promise<Discloser> {
  const now: Discloser = (entry) => disclosureTo(patient, entry);
  if (!asAt) return now;
  const then = await gate.stateAt(patient.viewer, patient.nhsNumber, asAt, { asRecorded: true });
  return (entry) => stricter(now(entry), disclosureIn(patient.viewer, then, factsOf(entry)));
}

/** An entry as a journal shows it: why it is shown whatever the view says, and its task if flagged. */
export type JournalEntryView = EntryView & { flagged: string[]; task?: JournalTaskStatus };

/**
 * A journal view of the entries a reader may see, as answered (and as reconstructed): `shown`
 * is what the audit row records.
 */
export function journalOf(
  nhsNumber: string,
  view: ViewRole,
  organisation: string,
  all: readonly EntryView[],
  disclose: Discloser,
  {
    expand,
    asAt,
    since,
    tasks,
    page = { limit: DEFAULT_JOURNAL_PAGE },
  }: {
    expand: string | undefined;
    asAt: Date | undefined;
    /** Only what is new or changed since then (the reader's mark), with the same folding. */
    since?: Date | undefined;
    /** Where the tasks of shown flagged entries stand (JournalTasks). */
    tasks?: ReadonlyMap<string, JournalTaskStatus>;
    /** The page (parseJournalPage); the first page of the default size when absent. */
    page?: { limit: number; after?: JournalPosition };
  },
): { shown: number; body: Record<string, unknown> } {
  const visible = all.filter(
    (entry) =>
      disclose(entry) === 'shown' &&
      (since === undefined ||
        isNewSince(
          {
            recordedAt: new Date(entry.recordedAt),
            amendedAt: entry.amendedAt === null ? null : new Date(entry.amendedAt),
          },
          since,
        )),
  );
  const byId = new Map(visible.map((entry) => [entry.eventId, entry]));
  // Dates in another year than the reader's say their year: as at a time, the reader's time then.
  // Built over the whole record, then paged: a digest is the same line on whichever page.
  const paged = journalPage(
    buildJournal(
      view,
      { role: view, organisation },
      visible.map((entry) => factsOf(entry)),
      { now: asAt ?? new Date(), expand: expand ? expand.split(',') : [] },
    ),
    page,
  );
  const journal = paged.journal;
  const asView = (item: { entry: { eventId: string }; flagged: string[] }): JournalEntryView => {
    const task = tasks?.get(item.entry.eventId);
    const entry = byId.get(item.entry.eventId) as EntryView;
    return {
      ...entry,
      // A held result says nothing of why it might be flagged: its placeholder stands alone.
      flagged: isHeldResultPayload(entry.payload) ? [] : item.flagged,
      ...(task ? { task } : {}),
    };
  };
  // Digest and fold lines are returned as they are; an entry line carries the entry itself.
  const lines = (list: Array<JournalLine<EntryFacts>>) =>
    list.map((line) => (line.kind === 'entry' ? { kind: line.kind, ...asView(line) } : line));
  return {
    shown: journalLines(journal).length,
    body: {
      patient: { nhsNumber },
      view,
      asAt: asAt?.toISOString() ?? null,
      since: since?.toISOString() ?? null,
      narrative: lines(journal.narrative),
      sections: journal.sections.map((section) => ({
        section: section.section,
        entries: lines(section.items),
      })),
      expanded: Object.fromEntries(
        Object.entries(journal.expanded).map(([id, list]) => [id, list.map(asView)]),
      ),
      nextCursor: paged.next ? journalCursor(paged.next) : null,
      // Left out by the view, never protected entries (docs/architecture.md, "Nothing reveals what is
      // hidden"); counted on whole views only, so null on what is new since a mark.
      withheld: since === undefined ? leftOutCount(all, disclose) + journal.leftOut : null,
    },
  };
}

@ApiTags('record')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS, 404)
@ApiNhsNumberParam()
@Controller('v1/patients/:nhsNumber')
@UseGuards(CallerGuard)
export class PatientRecordController {
  constructor(
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(RecordQuery) private readonly records: RecordQuery,
    @Inject(JournalMarks) private readonly marks: JournalMarks,
    @Inject(JournalTasks) private readonly tasks: JournalTasks,
  ) {}

  @Get('record')
  @ApiOperation({
    summary:
      'The joined-up record the caller may see, oldest first; asAt gives it as it stood then',
  })
  @ApiQuery({
    name: 'setting',
    required: false,
    enum: [...SOURCE_DOMAINS],
  })
  @ApiQuery({ name: 'type', required: false })
  @ApiQuery({
    name: 'from',
    required: false,
    description: 'ISO 8601; entries that occurred at or after',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'to',
    required: false,
    description: 'ISO 8601; entries that occurred before',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'asAt',
    required: false,
    description:
      'ISO 8601; the record as carelog held it then, never more than the caller may see now and could see then',
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'The `nextCursor` of the page before',
    schema: { type: 'string', format: 'page-cursor' },
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: '1 to 200, default 50',
    schema: { type: 'integer', minimum: 1, maximum: 200 },
  })
  @ApiAnswer(
    200,
    '`withheld` counts entries of the whole view left out as routine for the reader, never protected ones; null when setting, type, from or to is given. ' +
      HELD_RESULTS,
    RECORD_PAGE_SCHEMA,
    {
      links: {
        entry: {
          operationId: 'PatientRecordController_entry',
          parameters: {
            nhsNumber: '$request.path.nhsNumber',
            eventId: '$response.body#/entries/0/eventId',
          },
        },
      },
    },
  )
  async record(
    @Param('nhsNumber') nhsNumber: string,
    @Query() query: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
  ): Promise<RecordPage> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-record');
    const filters = parseRecordFilters(query);
    const page = await this.records.page(
      patient,
      filters,
      await discloserFor(this.gate, patient, filters.asAt),
    );
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
    schema: { type: 'string', format: 'date-time' },
  })
  @ApiQuery({
    name: 'since',
    required: false,
    description:
      "`mark` (the reader's mark, PUT journal/mark) or ISO 8601: only entries new or amended since, with the same digests and folds; `withheld` is then null. With no mark set, the whole journal (`since: null`)",
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    description:
      'Lines per page, newest first across narrative and sections: 1 to 500, default 200',
    schema: { type: 'integer', minimum: 1, maximum: 500 },
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'The `nextCursor` of the page before' })
  @ApiAnswer(
    200,
    'Entry lines of flagged entries carry `task`: open, acknowledged (by whom, when), escalated (to whom), as the task board has it. ' +
      HELD_RESULTS,
    JOURNAL_SCHEMA,
  )
  async journal(
    @Param('nhsNumber') nhsNumber: string,
    @Query('view') requestedView: string | undefined,
    @Query('expand') expand: string | undefined,
    @Query('asAt') asAt: string | undefined,
    @Query('since') since: string | undefined,
    @Query('limit') limit: string | undefined,
    @Query('cursor') cursor: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<unknown> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-journal');
    const view = parseView(requestedView, caller);
    const page = parseJournalPage(limit, cursor);
    const asAtTime = parseRecordFilters(asAt === undefined ? {} : { asAt }).asAt;
    const sinceTime =
      since === 'mark'
        ? ((await this.marks.get(caller.userId, patient.nhsNumber)) ?? undefined)
        : parseInstant(since, 'since');
    const all = await this.records.releasedFor(
      patient.viewer,
      patient.nhsNumber,
      await this.records.entries(patient.nhsNumber, asAtTime),
      asAtTime ?? new Date(),
    );
    const disclose = await discloserFor(this.gate, patient, asAtTime);
    const tasks = await this.tasks.statuses(
      patient.nhsNumber,
      all.filter((entry) => disclose(entry) === 'shown'),
      asAtTime,
    );
    const answer = journalOf(patient.nhsNumber, view, caller.organisation, all, disclose, {
      expand,
      asAt: asAtTime,
      since: sinceTime,
      tasks,
      page,
    });
    await patient.audit(answer.shown);
    return answer.body;
  }

  @Get('journal/mark')
  @ApiOperation({ summary: "The caller's mark on this patient's journal: where they last looked" })
  @ApiAnswer(200, 'The mark, or null when none is set', MARK_SCHEMA)
  async mark(
    @Param('nhsNumber') nhsNumber: string,
    @CurrentCaller() caller: Caller,
  ): Promise<{ mark: string | null }> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-journal');
    const mark = await this.marks.get(caller.userId, patient.nhsNumber);
    await patient.audit(0);
    return { mark: mark?.toISOString() ?? null };
  }

  @Put('journal/mark')
  @ApiOperation({
    summary:
      "Set the caller's mark: `{ at? }` (ISO 8601, default now, not in the future); `journal?since=mark` then shows what is new since",
  })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: { at: { type: 'string', format: 'date-time', description: 'default now' } },
    },
  })
  @ApiAnswer(200, 'The mark as set', MARK_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS)
  async setMark(
    @Param('nhsNumber') nhsNumber: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<{ mark: string }> {
    const patient = await this.gate.open(caller, nhsNumber, 'read-journal');
    await patient.audit(0);
    const requested = body && typeof body === 'object' && 'at' in body ? body.at : undefined;
    if (requested !== undefined && typeof requested !== 'string')
      throw new DomainError('invalid-filter', 'must be an ISO 8601 date-time', 'at');
    const now = new Date();
    const at = parseInstant(requested, 'at') ?? now;
    if (at.getTime() > now.getTime())
      throw new DomainError('invalid-filter', 'must not be in the future', 'at');
    const mark = await this.marks.set(caller.userId, patient.nhsNumber, at);
    return { mark: mark.toISOString() };
  }

  @Get('entries/:eventId')
  @ApiOperation({ summary: 'One entry in its current version (entered-in-error entries say so)' })
  @ApiAnswer(200, HELD_RESULTS, ENTRY_SCHEMA, {
    links: {
      history: {
        operationId: 'PatientRecordController_history',
        parameters: { nhsNumber: '$request.path.nhsNumber', eventId: '$response.body#/eventId' },
      },
    },
  })
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
  @ApiAnswer(200, `${HELD_RESULTS}; every version of a held result waits with it`, HISTORY_SCHEMA)
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
