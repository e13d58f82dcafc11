import {
  decodePageCursor,
  DomainError,
  encodePageCursor,
  entryDisclosure,
  entryTypeNamed,
  STATE_ENTRY_TYPES,
  isFullDate,
  EARLIEST_PLAUSIBLE_TIME,
  isUuid,
  parseDateTime,
  parsePageSize,
  type PagePosition,
  SOURCE_DOMAINS,
  decideResultRelease,
  heldResultPayload,
  RESULT_RELEASE_POLICY,
  type EntryDisclosure,
  type EntryTypeName,
  type EntryFacts,
  type ResultReleasePolicy,
  type Viewer,
} from '@carelog/domain';
import { EntryVersionRow, type RecordEntryRow, type RecordSummaryGroup } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import type { OpenedPatient } from '../patient-gate/patient-gate';

export interface RecordFilters {
  setting?: string;
  type?: string;
  from?: Date;
  to?: Date;
  asAt?: Date;
  cursor?: PagePosition;
  limit: number;
}

/** An entry as the API shows it. */
export interface EntryView {
  eventId: string;
  type: EntryTypeName;
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

/** One version of an entry, as its history shows it: with the reason it superseded the one before. */
export type VersionView = Omit<EntryView, 'versions' | 'status' | 'amendedAt'> & {
  supersedesReason: string | null;
};

/** An entry with every version of it, oldest first. */
export interface EntryHistory {
  entry: EntryView;
  versions: VersionView[];
}

export interface RecordPage {
  patient: { nhsNumber: string };
  asAt: string | null;
  entries: EntryView[];
  /**
   * How many entries of the whole record this reader's view leaves out (routine for them, or
   * outside a carer's sections); never which, and never an entry whose existence is protected
   * from them. Null on a filtered query (setting, type, from, to): counts are given on whole
   * views only, so that filters cannot locate what is left out.
   */
  withheld: number | null;
  nextCursor: string | null;
}

/** A page whose `withheld` count (a scan of the whole record) may still be running. */
export interface PendingRecordPage extends Omit<RecordPage, 'withheld'> {
  withheld: Promise<number | null>;
}

/** Decides for one entry whether it reaches the reader (now, or now and then for as-at reads). */
export type Discloser = (entry: EntryView) => EntryDisclosure;

const isFiltered = (filters: RecordFilters): boolean =>
  filters.setting !== undefined ||
  filters.type !== undefined ||
  filters.from !== undefined ||
  filters.to !== undefined;

export const MAX_PAGE_SIZE = 200;

/** Filter times a record can hold: from 1900 to the end of 2199. */
const FILTER_RANGE = {
  earliest: EARLIEST_PLAUSIBLE_TIME,
  latest: new Date('2199-12-31T23:59:59.999Z'),
};

/** A filter time: an RFC 3339 date-time, or a full-date meaning its first instant (UTC). */
function parseDate(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  return parseDateTime(isFullDate(value) ? `${value}T00:00:00Z` : value, field, FILTER_RANGE, {
    invalid: 'invalid-filter',
    outOfRange: 'invalid-filter',
  });
}

/** Parses the query string of a record read; every problem names its parameter. */
export function parseRecordFilters(query: Record<string, string | undefined>): RecordFilters {
  const limit = parsePageSize(query['limit'], {
    fallback: 50,
    max: MAX_PAGE_SIZE,
    code: 'invalid-filter',
  });
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
  if (query['cursor'] !== undefined) filters.cursor = decodePageCursor(query['cursor']);
  return filters;
}

/** The cursor of a page ending at `entry` (one codec for every paged route: decodePageCursor). */
const encodeCursor = (entry: EntryView): string =>
  encodePageCursor({ at: new Date(entry.occurredAt), id: entry.eventId });

/** What every entry view shows of a stored entry row, named as the read model's entities name it. */
type ShownColumns = Pick<
  EntryVersionRow,
  | 'eventId'
  | 'entryType'
  | 'domain'
  | 'occurredAt'
  | 'recordedAt'
  | 'source'
  | 'author'
  | 'sensitivity'
  | 'attention'
  | 'payload'
>;

/** An entry as the queries below select it: record_entry's row, or the as-at reconstruction of one. */
type RecordEntryRead = ShownColumns & Pick<RecordEntryRow, 'amendedAt' | 'versionCount' | 'status'>;

/**
 * The one mapper from a stored entry row (record_entry's, or a version in entry_version) to
 * what a view shows of it; `extra` holds what only the current entry has, in its place.
 */
function shownOf<Extra extends object>(row: ShownColumns, extra: Extra) {
  return {
    eventId: row.eventId,
    type: entryTypeNamed(row.entryType),
    setting: row.domain,
    occurredAt: row.occurredAt.toISOString(),
    recordedAt: row.recordedAt.toISOString(),
    ...extra,
    source: row.source,
    author: row.author,
    sensitivity: row.sensitivity,
    attention: row.attention,
    payload: row.payload,
  };
}

const entryViewOf = (row: RecordEntryRead): EntryView =>
  shownOf(row, {
    amendedAt: row.amendedAt?.toISOString() ?? null,
    versions: row.versionCount,
    status: row.status,
  });

/**
 * An entry's sensitivity is every category any of its versions carried (docs/decisions/
 * 0004-sensitivity-only-grows.md), so an amendment that adds one protects the earlier versions too. The history is
 * read only for amended entries; categories come sorted then, as stored otherwise.
 */
export const SENSITIVITY_OF_ENTRY = `CASE WHEN record_entry.version_count > 1 THEN ARRAY(
    SELECT DISTINCT category FROM entry_version every_version, unnest(every_version.sensitivity) category
    WHERE every_version.entry_id = record_entry.event_id ORDER BY 1)
  ELSE record_entry.sensitivity END`;

/** record_entry's columns as RecordEntryRead names them. */
const ENTRY_COLUMNS = `event_id AS "eventId", entry_type AS "entryType", domain, occurred_at AS "occurredAt",
  recorded_at AS "recordedAt", amended_at AS "amendedAt", version_count AS "versionCount", status,
  source, author, ${SENSITIVITY_OF_ENTRY} AS sensitivity, attention, payload`;

/**
 * The record as carelog held it at `asAt` (system time), each entry exactly as a read then
 * showed it: the version current then, its version count and amendment time then, and its
 * sensitivity the union over the versions recorded by `sensitivityUntil` (now, for an as-at
 * read: a category added later protects the earlier versions; `asAt`, for a reconstruction
 * of what was shown then).
 */
const AS_AT_SQL = `
  SELECT root.event_id AS "eventId", root.entry_type AS "entryType", root.domain,
         root.occurred_at AS "occurredAt", root.recorded_at AS "recordedAt",
         CASE WHEN cur.event_id = root.event_id THEN NULL ELSE cur.recorded_at END AS "amendedAt",
         cur.version_count::int AS "versionCount", 'current' AS status, root.source, cur.author,
         CASE WHEN EXISTS (
             SELECT 1 FROM entry_version later WHERE later.entry_id = root.event_id
               AND later.event_id <> root.event_id AND later.recorded_at <= $4)
           THEN ARRAY(SELECT DISTINCT category FROM entry_version every_version, unnest(every_version.sensitivity) category
                      WHERE every_version.entry_id = root.event_id AND every_version.recorded_at <= $4 ORDER BY 1)
           ELSE root.sensitivity END AS sensitivity,
         cur.attention, cur.payload
  FROM (
    SELECT DISTINCT ON (v.entry_id) v.entry_id, v.event_id, v.author, v.attention, v.payload, v.recorded_at,
           count(*) OVER (PARTITION BY v.entry_id) AS version_count
    FROM entry_version v
    WHERE v.nhs_number = $1 AND v.recorded_at <= $2 AND v.entry_type <> ALL($3::text[])
    ORDER BY v.entry_id, v.recorded_at DESC, v.kafka_offset DESC
  ) cur
  JOIN entry_version root ON root.event_id = cur.entry_id
  WHERE NOT EXISTS (
    SELECT 1 FROM entry_version e
    WHERE e.entry_id = cur.entry_id AND e.entry_type = 'EntryEnteredInError' AND e.recorded_at <= $2)
  ORDER BY root.occurred_at, root.event_id`;

export const factsOf = (entry: EntryView): EntryFacts => ({
  eventId: entry.eventId,
  entryType: entry.type,
  occurredAt: new Date(entry.occurredAt),
  sensitivity: entry.sensitivity,
  attention: entry.attention,
  payload: entry.payload,
  source: entry.source,
});

/** The facts the access rules read of a record_summary group (or of one entry, by its id). */
const factsOfGroup = (group: RecordSummaryGroup, eventId: string): EntryFacts => ({
  eventId,
  entryType: entryTypeNamed(group.entry_type),
  occurredAt: new Date(0),
  sensitivity: group.sensitivity,
  attention:
    group.attention_role === ''
      ? null
      : { role: group.attention_role, organisation: group.attention_organisation, reason: null },
  payload: group.rule_payload,
  source: { organisation: group.organisation },
});

export const disclosureTo = (patient: OpenedPatient, entry: EntryView): EntryDisclosure =>
  entryDisclosure(patient.viewer, patient.access, factsOf(entry), patient.consents);

export const visibleTo = (patient: OpenedPatient, entry: EntryView): boolean =>
  disclosureTo(patient, entry) === 'shown';

/** How many entries a reader may know of but is not shown: left out, never protected. */
export const leftOutCount = (entries: readonly EntryView[], disclose: Discloser): number =>
  entries.filter((entry) => disclose(entry) === 'left-out').length;

/** Readers whose results wait for release (RESULT_RELEASE_POLICY); staff see results at once. */
const releaseGated = (viewer: Pick<Viewer, 'role'>): boolean =>
  viewer.role === 'patient' || viewer.role === 'carer';

/**
 * A held result as its reader sees it: its place, date, setting and author, with the
 * placeholder payload; no flag (its reason would tell), and no earlier versions' contents.
 */
const heldView = <T extends Pick<EntryView, 'payload' | 'attention'>>(
  entry: T,
  label: string,
): T => ({
  ...entry,
  attention: null,
  payload: heldResultPayload(label),
});

/** Reads the read model; every answer passes each entry through the access rules. */
export class RecordQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly releasePolicy: ResultReleasePolicy = RESULT_RELEASE_POLICY,
  ) {}

  /**
   * The latest review of each of these results recorded by `at`, from every version the read
   * model holds (a review later entered in error has still released what it released).
   */
  private async reviewsOf(
    nhsNumber: string,
    resultIds: readonly string[],
    at: Date,
  ): Promise<Map<string, Date>> {
    if (resultIds.length === 0) return new Map();
    const rows = await this.dataSource.query<Array<{ result_id: string; reviewed_at: Date }>>(
      `SELECT payload->'result'->>'eventId' AS result_id, max(recorded_at) AS reviewed_at
       FROM entry_version
       WHERE nhs_number = $1 AND entry_type = 'TestResultReviewed' AND recorded_at <= $2
         AND payload->'result'->>'eventId' = ANY($3::text[])
       GROUP BY 1`,
      [nhsNumber, at, resultIds],
    );
    return new Map(rows.map((row) => [row.result_id, new Date(row.reviewed_at)]));
  }

  /**
   * Entries as a patient or carer may see them at `at` (now, or an as-at time): a test result
   * the release policy still holds becomes a "waiting for your care team" placeholder. Every
   * route that answers a patient or carer with entries passes them through here; staff get
   * them unchanged.
   */
  async releasedFor(
    viewer: Pick<Viewer, 'role'>,
    nhsNumber: string,
    entries: EntryView[],
    at: Date,
  ): Promise<EntryView[]> {
    const held = await this.heldResults(viewer, nhsNumber, entries, at);
    return held.size === 0
      ? entries
      : entries.map((entry) => {
          const label = held.get(entry.eventId);
          return label === undefined ? entry : heldView(entry, label);
        });
  }

  /** The results among `entries` the policy holds from this reader at `at`, with their labels. */
  private async heldResults(
    viewer: Pick<Viewer, 'role'>,
    nhsNumber: string,
    entries: readonly EntryView[],
    at: Date,
  ): Promise<Map<string, string>> {
    if (!releaseGated(viewer)) return new Map();
    const results = entries.filter((entry) => entry.type === 'TestResultRecorded');
    if (results.length === 0) return new Map();
    const reviews = await this.reviewsOf(
      nhsNumber,
      results.map((entry) => entry.eventId),
      at,
    );
    const held = new Map<string, string>();
    for (const entry of results) {
      const release = decideResultRelease(
        {
          payload: entry.payload,
          versionRecordedAt: new Date(entry.amendedAt ?? entry.recordedAt),
          reviewedAt: reviews.get(entry.eventId) ?? null,
        },
        this.releasePolicy,
        at,
      );
      if (!release.released) held.set(entry.eventId, release.label);
    }
    return held;
  }

  /**
   * The patient's entries as they stand now, or as they stood at `asAt` (see AS_AT_SQL), oldest
   * first. `sensitivityUntil` bounds the versions whose categories count (default: all).
   */
  async entries(nhsNumber: string, asAt?: Date, sensitivityUntil?: Date): Promise<EntryView[]> {
    if (asAt) {
      const rows = await this.dataSource.query<RecordEntryRead[]>(AS_AT_SQL, [
        nhsNumber,
        asAt,
        STATE_ENTRY_TYPES,
        sensitivityUntil ?? 'infinity',
      ]);
      return rows.map(entryViewOf);
    }
    const rows = await this.dataSource.query<RecordEntryRead[]>(
      `SELECT ${ENTRY_COLUMNS} FROM record_entry WHERE nhs_number = $1 AND status = 'current'
       ORDER BY occurred_at, event_id`,
      [nhsNumber],
    );
    return rows.map(entryViewOf);
  }

  /** The patient's current entries of these types, oldest first (the access rules still apply). */
  async entriesOfTypes(nhsNumber: string, types: readonly EntryTypeName[]): Promise<EntryView[]> {
    const rows = await this.dataSource.query<RecordEntryRead[]>(
      `SELECT ${ENTRY_COLUMNS} FROM record_entry
       WHERE nhs_number = $1 AND status = 'current' AND entry_type = ANY($2::text[])
       ORDER BY occurred_at, event_id`,
      [nhsNumber, types],
    );
    return rows.map(entryViewOf);
  }

  /**
   * One page of the record. Now: read a chunk at a time. As at a time: `disclose` decides each
   * entry (for an as-at read, the stricter of now and then), and the page and its count come
   * from the whole record as it stood.
   */
  async page(
    patient: OpenedPatient,
    filters: RecordFilters,
    disclose: Discloser = (entry) => disclosureTo(patient, entry),
    sensitivityUntil?: Date,
  ): Promise<PendingRecordPage> {
    if (!filters.asAt) return this.currentPage(patient, filters);
    const asAt = filters.asAt;
    const all = await this.entries(patient.nhsNumber, asAt, sensitivityUntil);
    const decided = all.map((entry) => ({ entry, disclosure: disclose(entry) }));
    const visible = decided
      .filter(
        ({ entry, disclosure }) =>
          disclosure === 'shown' &&
          (!filters.setting || entry.setting === filters.setting) &&
          (!filters.type || entry.type === filters.type) &&
          (!filters.from || new Date(entry.occurredAt) >= filters.from) &&
          (!filters.to || new Date(entry.occurredAt) < filters.to),
      )
      .map(({ entry }) => entry);
    const after = filters.cursor;
    const afterTime = after?.at.toISOString();
    const remaining =
      after && afterTime
        ? visible.filter(
            (entry) =>
              entry.occurredAt > afterTime ||
              (entry.occurredAt === afterTime && entry.eventId > after.id),
          )
        : visible;
    const page = remaining.slice(0, filters.limit);
    const last = page.at(-1);
    return {
      patient: { nhsNumber: patient.nhsNumber },
      asAt: asAt.toISOString(),
      entries: await this.releasedFor(patient.viewer, patient.nhsNumber, page, asAt),
      withheld: Promise.resolve(
        isFiltered(filters)
          ? null
          : decided.filter(({ disclosure }) => disclosure === 'left-out').length,
      ),
      nextCursor: remaining.length > filters.limit && last ? encodeCursor(last) : null,
    };
  }

  /**
   * A page of the current record without reading the whole record: rows come from the
   * database in (occurred_at, event_id) order after the cursor, a chunk at a time, and each
   * passes the access rules on its full row until the page is full. `withheld` still counts
   * the whole matching record, from `withheldCount`.
   */
  private async currentPage(
    patient: OpenedPatient,
    filters: RecordFilters,
  ): Promise<PendingRecordPage> {
    const where = ['nhs_number = $1', "status = 'current'"];
    const parameters: unknown[] = [patient.nhsNumber];
    const add = (condition: string, value: unknown) => {
      parameters.push(value);
      where.push(condition.replace('?', `$${parameters.length}`));
    };
    if (filters.setting) add('domain = ?', filters.setting);
    if (filters.type) add('entry_type = ?', filters.type);
    if (filters.from) add('occurred_at >= ?', filters.from);
    if (filters.to) add('occurred_at < ?', filters.to);
    // Counts only on the whole view: a count beside a filter would locate what it leaves out.
    const withheld = isFiltered(filters) ? Promise.resolve(null) : this.withheldCount(patient);
    // Marked handled here, so that it cannot fail unobserved while the page is read; whoever
    // awaits it still gets its error.
    withheld.catch(() => undefined);
    const visible = await this.visibleAfter(patient, where, parameters, filters);
    const page = visible.slice(0, filters.limit);
    const last = page.at(-1);
    return {
      patient: { nhsNumber: patient.nhsNumber },
      asAt: null,
      entries: await this.releasedFor(patient.viewer, patient.nhsNumber, page, new Date()),
      withheld,
      nextCursor: visible.length > filters.limit && last ? encodeCursor(last) : null,
    };
  }

  /** Up to limit + 1 visible entries after the cursor (one more says there is a next page). */
  private async visibleAfter(
    patient: OpenedPatient,
    where: readonly string[],
    parameters: readonly unknown[],
    filters: RecordFilters,
  ): Promise<EntryView[]> {
    let after = filters.cursor
      ? { occurredAt: filters.cursor.at, eventId: filters.cursor.id }
      : undefined;
    const visible: EntryView[] = [];
    let chunk = filters.limit + 1;
    for (;;) {
      const keyset = after
        ? [
            `(occurred_at, event_id) > ($${parameters.length + 1}::timestamptz, $${parameters.length + 2}::uuid)`,
          ]
        : [];
      const rows = await this.dataSource.query<RecordEntryRead[]>(
        `SELECT ${ENTRY_COLUMNS} FROM record_entry WHERE ${[...where, ...keyset].join(' AND ')}
         ORDER BY occurred_at, event_id LIMIT ${chunk}`,
        after ? [...parameters, after.occurredAt, after.eventId] : parameters,
      );
      for (const row of rows) {
        const entry = entryViewOf(row);
        if (visibleTo(patient, entry)) visible.push(entry);
      }
      const last = rows.at(-1);
      if (visible.length > filters.limit || rows.length < chunk || !last) break;
      after = { occurredAt: last.occurredAt, eventId: last.eventId };
      chunk = Math.min(chunk * 4, 2000);
    }
    return visible;
  }

  /**
   * How many entries this caller's view leaves out (never those protected from them), decided
   * by the same rule (entryDisclosure) on the facts it reads, from the patient's few
   * record_summary rows (current entries grouped by those facts, kept by the projection) rather
   * than the whole record. A seal names entries by id, which no group holds: each sealed entry
   * is read by id, taken out of its group and decided on its own. Only this count comes from the
   * grouped facts; every entry a page shows is decided on its full row.
   */
  private async withheldCount(patient: OpenedPatient): Promise<number> {
    const sealed = patient.consents.seals.map((seal) => seal.entryEventId);
    const [groups, sealedEntries] = await Promise.all([
      this.dataSource.query<RecordSummaryGroup[]>(
        `SELECT entry_type, sensitivity, attention_role, attention_organisation, organisation, rule_payload, entries
         FROM record_summary WHERE nhs_number = $1 AND entries <> 0`,
        [patient.nhsNumber],
      ),
      sealed.length === 0
        ? Promise.resolve([])
        : this.dataSource.query<Array<RecordSummaryGroup & { event_id: string }>>(
            `SELECT event_id, entry_type, sensitivity_ever AS sensitivity, COALESCE(attention->>'role', '') AS attention_role,
                    COALESCE(attention->>'organisation', '') AS attention_organisation,
                    COALESCE(source->>'organisation', '') AS organisation, rule_payload, 1 AS entries
             FROM record_entry
             WHERE nhs_number = $1 AND status = 'current' AND event_id::text = ANY($2::text[])`,
            [patient.nhsNumber, sealed],
          ),
    ]);
    const leftOut = (group: RecordSummaryGroup, eventId: string): boolean =>
      entryDisclosure(
        patient.viewer,
        patient.access,
        factsOfGroup(group, eventId),
        patient.consents,
      ) === 'left-out';
    let withheld = 0;
    for (const group of groups) if (leftOut(group, '')) withheld += group.entries;
    for (const entry of sealedEntries) {
      // Counted above with its group, as if it were not sealed; decided here as it is.
      if (leftOut(entry, '')) withheld -= 1;
      if (leftOut(entry, entry.event_id)) withheld += 1;
    }
    return withheld;
  }

  /** Entries by id, whoever's they are (for tasks, which name their entry), with their full sensitivity. */
  async entriesByIds(eventIds: readonly string[]): Promise<EntryView[]> {
    if (eventIds.length === 0) return [];
    const rows = await this.dataSource.query<RecordEntryRead[]>(
      `SELECT ${ENTRY_COLUMNS} FROM record_entry WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    return rows.map(entryViewOf);
  }

  /**
   * Whose entry this is, for a read that names an entry but not its patient (FHIR's
   * `{Type}/{id}`): only the key, so that the patient gate still decides before any record
   * data is read.
   */
  async patientOfEntry(eventId: string): Promise<string | undefined> {
    if (!isUuid(eventId)) return undefined;
    const [row] = await this.dataSource.query<Array<{ nhs_number: string }>>(
      `SELECT nhs_number FROM record_entry WHERE event_id = $1`,
      [eventId],
    );
    return row?.nhs_number;
  }

  /** One entry of the patient in any status, its sensitivity the union of its versions. */
  async entryRow(nhsNumber: string, eventId: string): Promise<EntryView | undefined> {
    if (!isUuid(eventId)) return undefined;
    const [row] = await this.dataSource.query<RecordEntryRead[]>(
      `SELECT ${ENTRY_COLUMNS} FROM record_entry WHERE event_id = $1 AND nhs_number = $2`,
      [eventId, nhsNumber],
    );
    return row ? entryViewOf(row) : undefined;
  }

  /** One entry, in any status, if the caller may see it; a held result as its placeholder. */
  async entry(patient: OpenedPatient, eventId: string): Promise<EntryView> {
    const entry = await this.visibleEntry(patient, eventId);
    const [released] = await this.releasedFor(
      patient.viewer,
      patient.nhsNumber,
      [entry],
      new Date(),
    );
    return released ?? entry;
  }

  private async visibleEntry(patient: OpenedPatient, eventId: string): Promise<EntryView> {
    const entry = await this.entryRow(patient.nhsNumber, eventId);
    if (!entry || !visibleTo(patient, entry))
      throw new DomainError(
        'entry-not-found',
        'no entry with that id is visible to you',
        'eventId',
      );
    return entry;
  }

  /** Every version of a visible entry, oldest first, corrections included. */
  async history(patient: OpenedPatient, eventId: string): Promise<EntryHistory> {
    const current = await this.visibleEntry(patient, eventId);
    const heldLabel = (
      await this.heldResults(patient.viewer, patient.nhsNumber, [current], new Date())
    ).get(current.eventId);
    const entry = heldLabel === undefined ? current : heldView(current, heldLabel);
    const rows = await this.dataSource.getRepository(EntryVersionRow).find({
      where: { entryId: entry.eventId, nhsNumber: patient.nhsNumber },
      order: { recordedAt: 'ASC', offset: 'ASC' },
    });
    const versions = rows
      .map((row) => ({ ...shownOf(row, {}), supersedesReason: row.supersedesReason }))
      // A version is shown only if it would be visible on its own, with every category any
      // version of the entry carried (sensitivity only grows).
      .filter(
        (version) =>
          version.type === 'EntryEnteredInError' ||
          visibleTo(patient, {
            ...version,
            sensitivity: [...new Set([...version.sensitivity, ...entry.sensitivity])],
            amendedAt: null,
            versions: 1,
            status: 'current',
          }),
      )
      // A held result holds every version back, the earlier ones too.
      .map((version) => {
        if (heldLabel === undefined) return version;
        // The reasons of amendments and corrections may name the value, so they wait too.
        if (version.type === 'EntryEnteredInError')
          return { ...version, payload: {}, supersedesReason: null };
        return { ...heldView(version, heldLabel), supersedesReason: null };
      });
    return { entry, versions };
  }
}
