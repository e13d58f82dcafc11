import { DomainError, SOURCE_DOMAINS } from '@carelog/domain';
import { CareRelationshipRow, RecordEntryRow } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import {
  RESTRICTED_CATEGORIES,
  type EntryVisibilityScope,
  type Relationship,
} from './record-access';

export interface RecordFilters {
  setting?: string;
  type?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

export interface RecordEntryView {
  eventId: string;
  type: string;
  setting: string;
  occurredAt: string;
  recordedAt: string;
  /** When the current version was recorded, if the entry has been amended. */
  amendedAt: string | null;
  versions: number;
  source: RecordEntryRow['source'];
  author: RecordEntryRow['author'];
  sensitivity: string[];
  attention: RecordEntryRow['attention'];
  payload: Record<string, unknown>;
}

export interface RecordPage {
  patient: { nhsNumber: string };
  entries: RecordEntryView[];
  /** How many entries matched the filters but are hidden from this caller; never which. */
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
  if (from) filters.from = from;
  if (to) filters.to = to;
  if (query['cursor'] !== undefined) filters.cursor = query['cursor'];
  return filters;
}

const encodeCursor = (row: RecordEntryRow): string =>
  Buffer.from(JSON.stringify([row.occurredAt.toISOString(), row.eventId])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value.every((part) => typeof part === 'string')
    ) {
      return [value[0] as string, value[1] as string];
    }
  } catch {
    // fall through to the error below
  }
  throw new DomainError('invalid-cursor', 'is not a cursor this API returned', 'cursor');
}

export class RecordQuery {
  constructor(private readonly dataSource: DataSource) {}

  relationships(nhsNumber: string): Promise<Relationship[]> {
    return this.dataSource.getRepository(CareRelationshipRow).find({
      where: { nhsNumber },
      select: { organisation: true, endedAt: true },
    });
  }

  /** One page of the patient's record, oldest first, with the count of entries withheld. */
  async page(
    nhsNumber: string,
    scope: EntryVisibilityScope,
    filters: RecordFilters,
  ): Promise<RecordPage> {
    const base = () => {
      const query = this.dataSource
        .getRepository(RecordEntryRow)
        .createQueryBuilder('entry')
        .where('entry.nhs_number = :nhsNumber', { nhsNumber })
        .andWhere("entry.status = 'current'");
      if (filters.setting) query.andWhere('entry.domain = :setting', { setting: filters.setting });
      if (filters.type) query.andWhere('entry.entry_type = :type', { type: filters.type });
      if (filters.from) query.andWhere('entry.occurred_at >= :from', { from: filters.from });
      if (filters.to) query.andWhere('entry.occurred_at < :to', { to: filters.to });
      return query;
    };
    const visible = scope.seesAllRestricted
      ? 'TRUE'
      : `(NOT (entry.sensitivity && :restricted::text[]) OR entry.source->>'organisation' = :ownOrganisation)`;
    const parameters = {
      restricted: RESTRICTED_CATEGORIES,
      ownOrganisation: scope.restrictedVisibleToOrganisation ?? '',
    };

    const pageQuery = base().andWhere(visible, parameters);
    if (filters.cursor) {
      const [occurredAt, eventId] = decodeCursor(filters.cursor);
      pageQuery.andWhere('(entry.occurred_at, entry.event_id) > (:cursorTime, :cursorId)', {
        cursorTime: occurredAt,
        cursorId: eventId,
      });
    }
    const rows = await pageQuery
      .orderBy('entry.occurred_at', 'ASC')
      .addOrderBy('entry.event_id', 'ASC')
      .limit(filters.limit + 1)
      .getMany();
    const withheld = scope.seesAllRestricted
      ? 0
      : await base().andWhere(`NOT ${visible}`, parameters).getCount();
    const pageRows = rows.slice(0, filters.limit);
    const last = pageRows.at(-1);
    return {
      patient: { nhsNumber },
      entries: pageRows.map(toView),
      withheld,
      nextCursor: rows.length > filters.limit && last ? encodeCursor(last) : null,
    };
  }
}

function toView(row: RecordEntryRow): RecordEntryView {
  return {
    eventId: row.eventId,
    type: row.entryType,
    setting: row.domain,
    occurredAt: row.occurredAt.toISOString(),
    recordedAt: row.recordedAt.toISOString(),
    amendedAt: row.amendedAt?.toISOString() ?? null,
    versions: row.versionCount,
    source: row.source,
    author: row.author,
    sensitivity: row.sensitivity,
    attention: row.attention,
    payload: row.payload,
  };
}
