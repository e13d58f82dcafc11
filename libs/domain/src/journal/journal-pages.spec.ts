import type { EntryTypeName } from '../generated/entry-type-names';
import fc from 'fast-check';
import { buildJournal, journalLines, type Journal, type JournalLine } from './journal';
import { journalPage, positionOf } from './journal-pages';
import type { EntryFacts } from './journal-views';

const PRACTICE = 'A81001';
const AGENCY = '716';
const NOW = new Date('2026-12-02T12:00:00Z');
const gp = { role: 'gp', organisation: PRACTICE } as const;
const entry = (index: number, entryType: EntryTypeName, day: number): EntryFacts => ({
  eventId: `e${String(index).padStart(4, '0')}`,
  entryType,
  occurredAt: new Date(Date.UTC(2026, 0, 1, 9) + day * 86_400_000),
  sensitivity: [],
  attention: null,
  payload: { note: `visit ${index}`, tasksCompleted: ['personal care'] },
  source: { organisation: entryType === 'CareVisitRecorded' ? AGENCY : PRACTICE },
});
const idOf = (line: JournalLine<EntryFacts>) =>
  line.kind === 'entry' ? line.entry.eventId : line.id;

/** Every page, following the cursor from the first. */
function allPages(journal: Journal<EntryFacts>, limit: number): Array<Journal<EntryFacts>> {
  const pages: Array<Journal<EntryFacts>> = [];
  let page = journalPage(journal, { limit });
  pages.push(page.journal);
  while (page.next) {
    page = journalPage(journal, { limit, after: page.next });
    pages.push(page.journal);
  }
  return pages;
}

describe('journalPage', () => {
  describe('given a year of daily care visits (digested by the month) and monthly consultations', () => {
    const entries = [
      ...Array.from({ length: 365 }, (_, day) => entry(day, 'CareVisitRecorded', day)),
      ...Array.from({ length: 12 }, (_, month) =>
        entry(1000 + month, 'ConsultationRecorded', month * 30 + 5),
      ),
    ];
    const whole = buildJournal('gp', gp, entries, { now: NOW });

    it('when read 5 lines a page, then the pages together are the whole journal, in order, each line once', () => {
      const pages = allPages(whole, 5);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages.slice(0, -1).every((page) => journalLines(page).length === 5)).toBe(true);
      const paged = pages.flatMap((page) => page.narrative).map(idOf);
      expect(paged).toEqual(whole.narrative.map(idOf));
    });

    it('when a digest falls on a later page, then it is the same line as in the whole journal (id, count, summary)', () => {
      const pages = allPages(whole, 3);
      const digests = pages.flatMap((page) =>
        journalLines(page).filter((line) => line.kind === 'digest'),
      );
      expect(digests.length).toBeGreaterThan(0);
      expect(digests).toEqual(journalLines(whole).filter((line) => line.kind === 'digest'));
    });

    it('when the page is larger than the journal, then it is the whole journal and there is no next page', () => {
      const page = journalPage(whole, { limit: 1000 });
      expect(page.next).toBeNull();
      expect(page.journal.narrative).toEqual(whole.narrative);
    });
  });

  it('property: whatever the record and page size, following the cursor shows every line exactly once, newest first', () => {
    const types: EntryTypeName[] = [
      'CareVisitRecorded',
      'ConsultationRecorded',
      'HomeReadingRecorded',
    ];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ type: fc.constantFrom(...types), day: fc.integer({ min: 0, max: 400 }) }),
          {
            maxLength: 120,
          },
        ),
        fc.integer({ min: 1, max: 20 }),
        (specs, limit) => {
          const whole = buildJournal(
            'care-worker',
            { role: 'care-worker', organisation: AGENCY },
            specs.map((spec, index) => entry(index, spec.type, spec.day)),
            { now: NOW },
          );
          const lines = allPages(whole, limit).flatMap((page) => journalLines(page));
          expect(lines.map(idOf).sort()).toEqual(journalLines(whole).map(idOf).sort());
          const positions = lines.map(positionOf);
          positions.slice(1).forEach((position, index) => {
            const before = positions[index];
            expect(
              before &&
                (before.at > position.at ||
                  (before.at === position.at && before.tie > position.tie)),
            ).toBe(true);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
