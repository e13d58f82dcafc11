import { ARCHETYPES } from './record-generator';
import { measure } from './measure';

describe('journal views measured on the generated records (issue #15, item 6)', () => {
  const measurements = ARCHETYPES.flatMap((archetype) => measure(archetype, 15));

  it('given every archetype and every view, when the journal is built, then every must-show entry is shown directly', () => {
    for (const m of measurements)
      expect({ view: `${m.archetype}/${m.role}`, shown: m.mustShowShown }).toEqual({
        view: `${m.archetype}/${m.role}`,
        shown: m.mustShow,
      });
    expect(measurements.some((m) => m.mustShow > 0)).toBe(true);
  });

  it('given any record, when digested, then no digest line stands for a single entry', () => {
    expect(measurements.filter((m) => m.singleEntryDigests > 0)).toEqual([]);
  });

  it('given the frail elderly record (one care visit a day), when the GP reads it, then at least 80 % fewer lines than raw entries', () => {
    const gp = measurements.find(
      (m) => m.archetype === 'frail-elderly-with-carers' && m.role === 'gp',
    );
    expect(gp && 1 - gp.lines / gp.raw).toBeGreaterThanOrEqual(0.8);
  });
});
