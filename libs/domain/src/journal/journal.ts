import type { ViewRole } from '../roles';
import {
  alwaysShowReasons,
  JOURNAL_VIEWS,
  sectionOf,
  treatmentIn,
  type EntryFacts,
  type SectionName,
} from './journal-views';

export interface JournalItem<E extends EntryFacts> {
  entry: E;
  /** Why it is shown whatever the view says (always-show rules), if any. */
  flagged: string[];
}

export interface DigestLine {
  id: string;
  entryType: string;
  count: number;
  from: string;
  to: string;
  summary: string;
}

export interface Journal<E extends EntryFacts> {
  view: ViewRole;
  narrative: Array<JournalItem<E>>;
  sections: Array<{ section: SectionName; items: Array<JournalItem<E>> }>;
  digests: DigestLine[];
  /** Entries of digests asked for by id. */
  expanded: Record<string, Array<JournalItem<E>>>;
  /** Visible entries this view leaves out; the caller adds what the access rules withheld. */
  leftOut: number;
}

const LABELS: Record<string, string> = {
  CareVisitRecorded: 'routine care visits',
  HomeReadingRecorded: 'home readings',
  WearableSummaryRecorded: 'wearable summaries',
  MedicationIssued: 'medication issues',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "3–9 Mar", "28 Feb–6 Mar", or "4 Mar" for a single day. */
function dateRange(from: Date, to: Date): string {
  const month = (date: Date) => MONTHS[date.getUTCMonth()] ?? '';
  if (from.toISOString().slice(0, 10) === to.toISOString().slice(0, 10))
    return `${from.getUTCDate()} ${month(from)}`;
  if (from.getUTCMonth() === to.getUTCMonth())
    return `${from.getUTCDate()}–${to.getUTCDate()} ${month(to)}`;
  return `${from.getUTCDate()} ${month(from)}–${to.getUTCDate()} ${month(to)}`;
}

/** Monday of the entry's week (UTC), the period a digest line covers. */
function weekStart(date: Date): string {
  const monday = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return monday.toISOString().slice(0, 10);
}

/**
 * Pure: lays out entries the viewer may see as a journal view. Always-shown entries go to the
 * narrative, flagged; the rest follow the view's declaration: narrative, a section of its
 * own, a digest line per type and week ("12 routine care visits, 3–9 Mar, nothing flagged"),
 * or left out. Newest first.
 */
export function buildJournal<E extends EntryFacts>(
  view: ViewRole,
  viewer: { role: ViewRole; organisation: string },
  entries: readonly E[],
  expand: readonly string[] = [],
): Journal<E> {
  const declaration = JOURNAL_VIEWS[view];
  const sorted = [...entries].sort((a, b) => b.occurredAt.getTime() - a.occurredAt.getTime());
  const narrative: Array<JournalItem<E>> = [];
  const sections = new Map<SectionName, Array<JournalItem<E>>>();
  const digestGroups = new Map<string, { entryType: string; entries: E[]; flagged: number }>();
  let leftOut = 0;
  for (const entry of sorted) {
    const flagged = alwaysShowReasons(entry, viewer);
    const treatment = treatmentIn(declaration, entry.entryType);
    if (treatment === 'digest') {
      const id = `${entry.entryType}:${weekStart(entry.occurredAt)}`;
      const group = digestGroups.get(id) ?? { entryType: entry.entryType, entries: [], flagged: 0 };
      if (flagged.length > 0) group.flagged++;
      else group.entries.push(entry);
      digestGroups.set(id, group);
    }
    if (flagged.length > 0) {
      narrative.push({ entry, flagged });
      continue;
    }
    if (treatment === 'narrative') narrative.push({ entry, flagged });
    else if (treatment === 'section') {
      const section = sectionOf(entry.entryType);
      if (section) sections.set(section, [...(sections.get(section) ?? []), { entry, flagged }]);
    } else if (treatment === 'omit') leftOut++;
  }
  const digests: DigestLine[] = [];
  const expanded: Record<string, Array<JournalItem<E>>> = {};
  for (const [id, group] of digestGroups) {
    if (group.entries.length === 0) continue;
    const times = group.entries.map((entry) => entry.occurredAt.getTime());
    const from = new Date(Math.min(...times));
    const to = new Date(Math.max(...times));
    const label = LABELS[group.entryType] ?? `${group.entryType} entries`;
    const flaggedNote =
      group.flagged === 0 ? 'nothing flagged' : `${group.flagged} flagged, shown above`;
    digests.push({
      id,
      entryType: group.entryType,
      count: group.entries.length,
      from: from.toISOString(),
      to: to.toISOString(),
      summary: `${group.entries.length} ${label}, ${dateRange(from, to)}, ${flaggedNote}`,
    });
    if (expand.includes(id)) expanded[id] = group.entries.map((entry) => ({ entry, flagged: [] }));
  }
  return {
    view,
    narrative,
    sections: [...sections.entries()].map(([section, items]) => ({ section, items })),
    digests,
    expanded,
    leftOut,
  };
}
