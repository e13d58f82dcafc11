import { distance } from 'fastest-levenshtein';

/**
 * Folding near-identical notes (docs/architecture.md, "Journal views"): consecutive notes of the same
 * type from the same team whose text is nearly the same become one line, "wound redressed, no
 * change ×12, 3–28 Mar", which expands to the notes.
 *
 * The measure: both texts are normalised (lower case, runs of spaces and punctuation made one
 * space), then similarity = 1 − Levenshtein distance ÷ length of the longer text
 * (`fastest-levenshtein`). Notes fold when their similarity to the first note of the fold is at
 * least NOTE_SIMILARITY, so a fold cannot drift note by note into different text; the first
 * note below it breaks the fold. Edit distance, not shared words, because the notes that
 * repeat are short and differ in a word that matters ("no change" / "worse").
 */
export const NOTE_SIMILARITY = 0.85;
/** Fewer notes than this stay as they are: a fold of two saves one line and hides a date. */
export const MIN_FOLD = 3;
/** A note more than this after the previous one starts a new run: folds are of one episode. */
export const MAX_FOLD_GAP_MS = 31 * 24 * 3_600_000;

/** The free text an entry carries, by the schemas' field names; undefined when it has none. */
export function noteTextOf(payload: Record<string, unknown>): string | undefined {
  for (const field of ['note', 'narrative', 'observation', 'summary']) {
    const value = payload[field];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();

/** 1 for the same text once normalised, 0 for nothing in common. */
export function noteSimilarity(a: string, b: string): number {
  const left = normalise(a);
  const right = normalise(b);
  const longest = Math.max(left.length, right.length);
  return longest === 0 ? 1 : 1 - distance(left, right) / longest;
}

export interface FoldCandidate {
  entryType: string;
  /** The team: the organisation that recorded the note. */
  team: string;
  text: string | undefined;
  occurredAt: Date;
  /** Shown directly whatever the view says: never folded, and it breaks a fold. */
  mustShow: boolean;
}

/**
 * Pure: given notes in the order they happened, the runs that fold, as lists of indexes into
 * `notes`. A run is consecutive notes of one type and team (other types and teams in between
 * do not break it; a must-show note, a note of different text or a gap of over a month does).
 */
export function findFolds(notes: readonly FoldCandidate[]): number[][] {
  const folds: number[][] = [];
  const open = new Map<string, { anchor: string; last: number; members: number[] }>();
  const close = (key: string) => {
    const run = open.get(key);
    if (run && run.members.length >= MIN_FOLD) folds.push(run.members);
    open.delete(key);
  };
  notes.forEach((note, index) => {
    const key = `${note.entryType}\u0000${note.team}`;
    const run = open.get(key);
    if (
      run &&
      !note.mustShow &&
      note.text !== undefined &&
      note.occurredAt.getTime() - run.last <= MAX_FOLD_GAP_MS &&
      noteSimilarity(run.anchor, note.text) >= NOTE_SIMILARITY
    ) {
      run.members.push(index);
      run.last = note.occurredAt.getTime();
      return;
    }
    close(key);
    if (!note.mustShow && note.text !== undefined)
      open.set(key, { anchor: note.text, last: note.occurredAt.getTime(), members: [index] });
  });
  for (const key of [...open.keys()]) close(key);
  return folds.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
}
