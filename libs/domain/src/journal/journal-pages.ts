import type { Journal, JournalLine } from './journal';
import type { EntryFacts } from './journal-views';

/** Where a line sits in the timeline: the time of its newest entry, then its id. */
export interface JournalPosition {
  at: number;
  tie: string;
}

export const DEFAULT_JOURNAL_PAGE = 200;
export const MAX_JOURNAL_PAGE = 500;

/** The position buildJournal places a line at (newest first, ties by id descending). */
export function positionOf<E extends EntryFacts>(line: JournalLine<E>): JournalPosition {
  return line.kind === 'entry'
    ? { at: line.entry.occurredAt.getTime(), tie: line.entry.eventId }
    : { at: new Date(line.to).getTime(), tie: line.id };
}

const newerFirst = (a: JournalPosition, b: JournalPosition) =>
  b.at - a.at || b.tie.localeCompare(a.tie);

/**
 * Pure: one page of a journal built over the whole record, newest first across the narrative
 * and every section, `limit` lines after `after` (the last line of the previous page). Digests
 * and folds are those of the whole record, so a digest line is the same line, with the same
 * id, count and summary, whichever page it falls on, and each line is on exactly one page.
 */
export function journalPage<E extends EntryFacts>(
  journal: Journal<E>,
  { limit, after }: { limit: number; after?: JournalPosition },
): { journal: Journal<E>; next: JournalPosition | null } {
  const homes = [...journal.narrative, ...journal.sections.flatMap((section) => section.items)]
    .map((line) => ({ line, position: positionOf(line) }))
    .filter((item) => !after || newerFirst(after, item.position) < 0)
    .sort((a, b) => newerFirst(a.position, b.position));
  const page = homes.slice(0, limit);
  const kept = new Set(page.map((item) => item.line));
  const last = page.at(-1);
  return {
    journal: {
      ...journal,
      narrative: journal.narrative.filter((line) => kept.has(line)),
      sections: journal.sections
        .map((section) => ({ ...section, items: section.items.filter((line) => kept.has(line)) }))
        .filter((section) => section.items.length > 0),
    },
    next: homes.length > limit && last ? last.position : null,
  };
}
