import type { ViewRole } from '../roles';
import { choosePeriod, dateRange, periodKey, type DigestPeriod } from './digest-periods';
import {
  alwaysShowReasons,
  JOURNAL_VIEWS,
  sectionOf,
  treatmentIn,
  type EntryFacts,
  type SectionName,
} from './journal-views';
import { findFolds, noteTextOf, type FoldCandidate } from './note-folding';
import { isRoutineType, ROUTINE_SUMMARISERS, type RoutineType } from './routine-summaries';

export interface JournalItem<E extends EntryFacts> {
  entry: E;
  /** Why it is shown whatever the view says (always-show rules), if any. */
  flagged: string[];
}

/** One entry shown as itself. */
export interface EntryLine<E extends EntryFacts> extends JournalItem<E> {
  kind: 'entry';
}

/** Routine entries of one type in one period, said in one line; expands by `id`. */
export interface DigestLine {
  kind: 'digest';
  /** Stable for the same entries: the type and the period, "CareVisitRecorded:2026-03-01/P1M". */
  id: string;
  entryType: RoutineType;
  period: DigestPeriod;
  count: number;
  from: string;
  to: string;
  /** Entries of this type and period that are shown on their own (always-show rules). */
  alsoShown: number;
  /** "31 care visits, 1–31 Mar 2025: no concerns, none missed". */
  summary: string;
}

/** Consecutive near-identical notes of one type and team, in one line; expands by `id`. */
export interface FoldLine {
  kind: 'fold';
  /** Stable for the same notes: "fold:<first eventId>..<last eventId>". */
  id: string;
  entryType: string;
  team: string;
  count: number;
  from: string;
  to: string;
  /** The first note's text. */
  text: string;
  /** "wound redressed, no change ×12, 3–28 Mar". */
  summary: string;
}

export type JournalLine<E extends EntryFacts> = EntryLine<E> | DigestLine | FoldLine;

export interface Journal<E extends EntryFacts> {
  view: ViewRole;
  /** One timeline, newest first: entries, and digest and fold lines where they happened. */
  narrative: Array<JournalLine<E>>;
  sections: Array<{ section: SectionName; items: Array<JournalLine<E>> }>;
  /** Entries of the digest and fold lines asked for by id, newest first. */
  expanded: Record<string, Array<JournalItem<E>>>;
  /** Visible entries this view leaves out; the caller adds what the access rules withheld. */
  leftOut: number;
}

export interface JournalOptions {
  /** The reader's current time: dates in another year say their year. */
  now: Date;
  /** Ids of digest and fold lines to expand into their entries. */
  expand?: readonly string[];
}

type Home = 'narrative' | SectionName;
interface Placed<E extends EntryFacts> {
  home: Home;
  line: JournalLine<E>;
  /** Where it sits in the timeline: the time of its newest entry. */
  at: number;
  tie: string;
}

const FOLD_TEXT_LENGTH = 80;
const byTime = (a: EntryFacts, b: EntryFacts) =>
  a.occurredAt.getTime() - b.occurredAt.getTime() || a.eventId.localeCompare(b.eventId);
const newestFirst = <E extends EntryFacts>(entries: readonly E[]) =>
  [...entries].sort((a, b) => byTime(b, a));
const shorten = (text: string) =>
  text.length <= FOLD_TEXT_LENGTH ? text : `${text.slice(0, FOLD_TEXT_LENGTH - 1).trimEnd()}…`;

/**
 * Pure: lays out entries the viewer may see as a journal view. Always-shown entries go to the
 * narrative as themselves, flagged. The rest follow the view's declaration: the narrative or a
 * section of their own; routine types in digest lines per period, the period chosen from how
 * dense they are (a period holding one entry shows the entry instead); runs of near-identical
 * notes folded into one line; or left out. Every timeline is newest first, digest and fold
 * lines placed at their newest entry.
 */
export function buildJournal<E extends EntryFacts>(
  view: ViewRole,
  viewer: { role: ViewRole; organisation: string },
  entries: readonly E[],
  options: JournalOptions,
): Journal<E> {
  const declaration = JOURNAL_VIEWS[view];
  const { now } = options;
  const placed: Array<Placed<E>> = [];
  const entryLine = (home: Home, entry: E, flagged: string[]) =>
    placed.push({
      home,
      line: { kind: 'entry', entry, flagged },
      at: entry.occurredAt.getTime(),
      tie: entry.eventId,
    });
  const routine = new Map<RoutineType, { home: Home; digested: E[]; shown: E[] }>();
  const candidates: Array<FoldCandidate & { entry: E; home: Home }> = [];
  const groups = new Map<string, E[]>();
  let leftOut = 0;

  for (const entry of [...entries].sort(byTime)) {
    const flagged = alwaysShowReasons(entry, viewer);
    const treatment = treatmentIn(declaration, entry.entryType);
    const section = sectionOf(entry.entryType);
    const candidate = {
      entryType: entry.entryType,
      team: entry.source.organisation,
      text: noteTextOf(entry.payload),
      occurredAt: entry.occurredAt,
    };
    if (flagged.length > 0) {
      entryLine('narrative', entry, flagged);
      candidates.push({ ...candidate, mustShow: true, entry, home: 'narrative' });
      if (treatment === 'digest' && isRoutineType(entry.entryType)) {
        // Counted beside the digest of its period ("1 more shown on its own").
        const group = routine.get(entry.entryType) ?? {
          home: 'narrative',
          digested: [],
          shown: [],
        };
        group.shown.push(entry);
        routine.set(entry.entryType, group);
      }
      continue;
    }
    if (treatment === 'omit' || section === undefined) {
      leftOut++;
      continue;
    }
    const home: Home = declaration.narrative.includes(section) ? 'narrative' : section;
    if (treatment === 'digest' && isRoutineType(entry.entryType)) {
      const group = routine.get(entry.entryType) ?? { home, digested: [], shown: [] };
      group.home = home;
      group.digested.push(entry);
      routine.set(entry.entryType, group);
    } else candidates.push({ ...candidate, mustShow: false, entry, home });
  }

  for (const [entryType, { home, digested, shown }] of routine) {
    if (digested.length === 0) continue;
    const period = choosePeriod(digested.map((entry) => entry.occurredAt));
    // One pass each: a record of ten thousand routine entries is bucketed in linear time.
    const buckets = new Map<string, E[]>();
    for (const entry of digested) {
      const key = periodKey(period, entry.occurredAt);
      const bucket = buckets.get(key);
      if (bucket) bucket.push(entry);
      else buckets.set(key, [entry]);
    }
    const shownIn = new Map<string, number>();
    for (const entry of shown) {
      const key = periodKey(period, entry.occurredAt);
      shownIn.set(key, (shownIn.get(key) ?? 0) + 1);
    }
    for (const [key, bucket] of buckets) {
      const [only] = bucket;
      if (bucket.length === 1 && only) {
        // A digest of one entry says less than the entry: show the entry.
        entryLine(home, only, []);
        continue;
      }
      const id = `${entryType}:${key}`;
      const from = bucket[0]?.occurredAt ?? now;
      const to = bucket.at(-1)?.occurredAt ?? now;
      const alsoShown = shownIn.get(key) ?? 0;
      const summariser = ROUTINE_SUMMARISERS[entryType];
      const summary =
        `${bucket.length} ${summariser.label}, ${dateRange(from, to, now)}: ` +
        summariser.summarise(bucket, now) +
        (alsoShown > 0
          ? `; ${alsoShown} more shown on ${alsoShown === 1 ? 'its' : 'their'} own`
          : '');
      groups.set(id, bucket);
      placed.push({
        home,
        line: {
          kind: 'digest',
          id,
          entryType,
          period,
          count: bucket.length,
          from: from.toISOString(),
          to: to.toISOString(),
          alsoShown,
          summary,
        },
        at: to.getTime(),
        tie: id,
      });
    }
  }

  const folded = new Set<number>();
  for (const members of findFolds(candidates)) {
    const notes = members.flatMap((index) => candidates[index] ?? []);
    const first = notes[0];
    const last = notes.at(-1);
    if (!first || !last) continue;
    members.forEach((index) => folded.add(index));
    const id = `fold:${first.entry.eventId}..${last.entry.eventId}`;
    const text = shorten(first.text ?? '');
    groups.set(
      id,
      notes.map((note) => note.entry),
    );
    placed.push({
      home: first.home,
      line: {
        kind: 'fold',
        id,
        entryType: first.entryType,
        team: first.team,
        count: notes.length,
        from: first.entry.occurredAt.toISOString(),
        to: last.entry.occurredAt.toISOString(),
        text,
        summary: `${text} ×${notes.length}, ${dateRange(first.entry.occurredAt, last.entry.occurredAt, now)}`,
      },
      at: last.entry.occurredAt.getTime(),
      tie: id,
    });
  }
  candidates.forEach((candidate, index) => {
    if (!candidate.mustShow && !folded.has(index)) entryLine(candidate.home, candidate.entry, []);
  });

  placed.sort((a, b) => b.at - a.at || b.tie.localeCompare(a.tie));
  const linesOf = (home: Home) =>
    placed.filter((item) => item.home === home).map((item) => item.line);
  const expanded: Record<string, Array<JournalItem<E>>> = {};
  for (const id of options.expand ?? []) {
    const group = groups.get(id);
    if (group) expanded[id] = newestFirst(group).map((entry) => ({ entry, flagged: [] }));
  }
  return {
    view,
    narrative: linesOf('narrative'),
    sections: declaration.sections
      .map((section) => ({ section, items: linesOf(section) }))
      .filter((section) => section.items.length > 0),
    expanded,
    leftOut,
  };
}

/** Every line of a journal: the narrative and each section. */
export const journalLines = <E extends EntryFacts>(journal: Journal<E>): Array<JournalLine<E>> => [
  ...journal.narrative,
  ...journal.sections.flatMap((section) => section.items),
];
