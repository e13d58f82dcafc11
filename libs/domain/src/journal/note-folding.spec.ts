import { findFolds, noteSimilarity, NOTE_SIMILARITY, type FoldCandidate } from './note-folding';

let day = 0;
const note = (text: string | undefined, extra: Partial<FoldCandidate> = {}): FoldCandidate => ({
  entryType: 'CareVisitRecorded',
  team: '716',
  text,
  occurredAt: new Date(Date.UTC(2026, 2, 1) + ++day * 86_400_000),
  mustShow: false,
  ...extra,
});

describe('how alike two notes are', () => {
  it('given the same note with other case, spacing and punctuation, when compared, then they are the same', () => {
    expect(noteSimilarity('Wound redressed, no change.', 'wound  redressed no change')).toBe(1);
  });

  it('given a note that differs in a word that matters, when compared, then it is below the fold threshold', () => {
    expect(
      noteSimilarity('Wound redressed, no change', 'Wound redressed, looks worse, oozing'),
    ).toBeLessThan(NOTE_SIMILARITY);
  });
});

describe('folding consecutive near-identical notes', () => {
  it('given twelve near-identical notes of one team, when folded, then one fold of twelve', () => {
    const notes = Array.from({ length: 12 }, (_, index) =>
      note(index % 2 ? 'Wound redressed, no change.' : 'wound redressed - no change'),
    );
    expect(findFolds(notes)).toEqual([notes.map((_, index) => index)]);
  });

  it('given a differing note in the run, when folded, then it breaks the fold and starts its own run', () => {
    const notes = [
      ...Array.from({ length: 4 }, () => note('Wound redressed, no change')),
      note('Wound looks worse, oozing; GP informed'),
      ...Array.from({ length: 3 }, () => note('Wound redressed, no change')),
    ];
    expect(findFolds(notes)).toEqual([
      [0, 1, 2, 3],
      [5, 6, 7],
    ]);
  });

  it('given a must-show note in the run, when folded, then it is never folded and breaks the fold', () => {
    const notes = [
      note('Settled.'),
      note('Settled.'),
      note('Settled.', { mustShow: true }),
      note('Settled.'),
      note('Settled.'),
    ];
    expect(findFolds(notes)).toEqual([]);
  });

  it('given notes of other types and teams in between, when folded, then each type and team folds on its own', () => {
    const notes = [
      note('Settled.'),
      note('Settled.', { team: '717' }),
      note('Settled.'),
      note('Walked to the shop', { entryType: 'CarerObservationRecorded' }),
      note('Settled.'),
    ];
    expect(findFolds(notes)).toEqual([[0, 2, 4]]);
  });

  it('given alike notes with a gap of more than a month, when folded, then the gap breaks the fold', () => {
    const monthly = [0, 1, 2, 3].map((month) =>
      note('Wound redressed, no change', { occurredAt: new Date(Date.UTC(2026, month * 2, 1)) }),
    );
    expect(findFolds(monthly)).toEqual([]);
  });

  it('given fewer than three alike notes, or notes without text, when folded, then nothing folds', () => {
    expect(findFolds([note('Settled.'), note('Settled.')])).toEqual([]);
    expect(findFolds([note(undefined), note(undefined), note(undefined)])).toEqual([]);
  });
});
