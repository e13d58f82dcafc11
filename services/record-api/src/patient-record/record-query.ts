import { DomainError, mayViewEntry, SOURCE_DOMAINS, type EntryFacts } from '@carelog/domain';
import { EntryVersionRow, recordAsAt, RecordEntryRow } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { OpenedPatient } from '../patient-gate/patient-gate';

export interface RecordFilters {
  setting?: string;
  type?: string;
  from?: Date;
  to?: Date;
  asAt?: Date;
  cursor?: string;
  limit: number;
}

/** An entry as the API shows it. */
export interface EntryView {
  eventId: string;
  type: string;
  setting: string;
  occurredAt: string;
  recordedAt: string;
  /** When the current version was recorded, if the entry has been amended. */
  amendedAt: string | null;
  versions: number;
  status: 'current' | 'entered-in-error';
  source: RecordEntryRow['source'];
  author: RecordEntryRow['author'];
  sensitivity: string[];
  attention: RecordEntryRow['attention'];
  payload: Record<string, unknown>;
}

export interface RecordPage {
  patient: { nhsNumber: string };
  asAt: string | null;
  entries: EntryView[];
  /** How many entries matched but are not shown to this caller; never which. */
  withheld: number;
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 200;

function parseDate(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()))
    throw new DomainError('invalid-filter', 'must be an ISO 8601 date-time', field);
  return parsed;
}

/** Parses the query string of a record read; every problem names its parameter. */
export function parseRecordFilters(query: Record<string, string | undefined>): RecordFilters {
  const limit = query['limit'] === undefined ? 50 : Number(query['limit']);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new DomainError(
      'invalid-filter',
      `must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      'limit',
    );
  }
  const setting = query['setting'];
  if (setting !== undefined && !(SOURCE_DOMAINS as readonly string[]).includes(setting)) {
    throw new DomainError(
      'invalid-filter',
      `must be one of ${SOURCE_DOMAINS.join(', ')}`,
      'setting',
    );
  }
  const filters: RecordFilters = { limit };
  if (setting !== undefined) filters.setting = setting;
  if (query['type'] !== undefined) filters.type = query['type'];
  const from = parseDate(query['from'], 'from');
  const to = parseDate(query['to'], 'to');
  const asAt = parseDate(query['asAt'], 'asAt');
  if (from) filters.from = from;
  if (to) filters.to = to;
  if (asAt) filters.asAt = asAt;
  if (query['cursor'] !== undefined) filters.cursor = query['cursor'];
  return filters;
}

const encodeCursor = (entry: EntryView): string =>
  Buffer.from(JSON.stringify([entry.occurredAt, entry.eventId])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((part) => typeof part === 'string')
    )
      return [value[0] as string, value[1] as string];
  } catch {
    // an unreadable cursor is reported below
  }
  throw new DomainError('invalid-cursor', 'is not a cursor this API returned', 'cursor');
}

export const entryView = (row: RecordEntryRow): EntryView => ({
  eventId: row.eventId,
  type: row.entryType,
  setting: row.domain,
  occurredAt: row.occurredAt.toISOString(),
  recordedAt: row.recordedAt.toISOString(),
  amendedAt: row.amendedAt?.toISOString() ?? null,
  versions: row.versionCount,
  status: row.status,
  source: row.source,
  author: row.author,
  sensitivity: row.sensitivity,
  attention: row.attention,
  payload: row.payload,
});

export const factsOf = (entry: EntryView): EntryFacts => ({
  eventId: entry.eventId,
  entryType: entry.type,
  occurredAt: new Date(entry.occurredAt),
  sensitivity: entry.sensitivity,
  attention: entry.attention,
  payload: entry.payload,
  source: entry.source,
});

export const visibleTo = (patient: OpenedPatient, entry: EntryView): boolean =>
  mayViewEntry(patient.viewer, patient.access, factsOf(entry), patient.consents);

/** Reads the read model; every answer passes each entry through the access rules. */
export class RecordQuery {
  constructor(private readonly dataSource: DataSource) {}

  /** The patient's entries as they stand now, or as they stood at `asAt`, oldest first. */
  async entries(nhsNumber: string, asAt?: Date): Promise<EntryView[]> {
    if (asAt) {
      return (await recordAsAt(this.dataSource, nhsNumber, asAt)).map((entry) => ({
        eventId: entry.entryId,
        type: entry.entryType,
        setting: entry.domain,
        occurredAt: entry.occurredAt.toISOString(),
        recordedAt: entry.recordedAt.toISOString(),
        amendedAt: entry.eventId === entry.entryId ? null : entry.recordedAt.toISOString(),
        versions: 1,
        status: 'current',
        source: entry.source,
        author: entry.author,
        sensitivity: entry.sensitivity,
        attention: entry.attention,
        payload: entry.payload,
      }));
    }
    const rows = await this.dataSource.getRepository(RecordEntryRow).find({
      where: { nhsNumber, status: 'current' },
      order: { occurredAt: 'ASC', eventId: 'ASC' },
    });
    return rows.map(entryView);
  }

  async page(patient: OpenedPatient, filters: RecordFilters): Promise<RecordPage> {
    const matching = (await this.entries(patient.nhsNumber, filters.asAt)).filter(
      (entry) =>
        (!filters.setting || entry.setting === filters.setting) &&
        (!filters.type || entry.type === filters.type) &&
        (!filters.from || new Date(entry.occurredAt) >= filters.from) &&
        (!filters.to || new Date(entry.occurredAt) < filters.to),
    );
    const visible = matching.filter((entry) => visibleTo(patient, entry));
    const after = filters.cursor ? decodeCursor(filters.cursor) : undefined;
    const remaining = after
      ? visible.filter(
          (entry) =>
            entry.occurredAt > after[0] ||
            (entry.occurredAt === after[0] && entry.eventId > after[1]),
        )
      : visible;
    const page = remaining.slice(0, filters.limit);
    const last = page.at(-1);
    return {
      patient: { nhsNumber: patient.nhsNumber },
      asAt: filters.asAt?.toISOString() ?? null,
      entries: page,
      withheld: matching.length - visible.length,
      nextCursor: remaining.length > filters.limit && last ? encodeCursor(last) : null,
    };
  }

  /** One entry, in any status, if the caller may see it. */
  async entry(patient: OpenedPatient, eventId: string): Promise<EntryView> {
    const row = /^[0-9a-f-]{36}$/i.test(eventId)
      ? await this.dataSource
          .getRepository(RecordEntryRow)
          .findOneBy({ eventId, nhsNumber: patient.nhsNumber })
      : null;
    const entry = row ? entryView(row) : undefined;
    if (!entry || !visibleTo(patient, entry))
      throw new DomainError(
        'entry-not-found',
        'no entry with that id is visible to you',
        'eventId',
      );
    return entry;
  }

  /** Every version of a visible entry, oldest first, corrections included. */
  async history(
    patient: OpenedPatient,
    eventId: string,
  ): Promise<{
    entry: EntryView;
    versions: Array<
      Omit<EntryView, 'versions' | 'status' | 'amendedAt'> & { supersedesReason: string | null }
    >;
  }> {
    const entry = await this.entry(patient, eventId);
    const rows = await this.dataSource.getRepository(EntryVersionRow).find({
      where: { entryId: entry.eventId, nhsNumber: patient.nhsNumber },
      order: { recordedAt: 'ASC', offset: 'ASC' },
    });
    const versions = rows
      .map((row) => ({
        eventId: row.eventId,
        type: row.entryType,
        setting: row.domain,
        occurredAt: row.occurredAt.toISOString(),
        recordedAt: row.recordedAt.toISOString(),
        source: row.source,
        author: row.author,
        sensitivity: row.sensitivity,
        attention: row.attention,
        payload: row.payload,
        supersedesReason: row.supersedesReason,
      }))
      // A version is shown only if it would be visible on its own (a later amendment may have relaxed its sensitivity).
      .filter(
        (version) =>
          version.type === 'EntryEnteredInError' ||
          visibleTo(patient, { ...version, amendedAt: null, versions: 1, status: 'current' }),
      );
    return { entry, versions };
  }
}
