import { ENTRY_TYPE_NAMES, type EntryTypeName } from '../generated/entry-type-names';
import { VIEW_ROLES } from '../roles';
import { ENTRY_TYPES, isRecordEntryType, STATE_ENTRY_TYPES } from '../source-domains';
import { JOURNAL_VIEWS, SECTION_NAMES, SECTIONS, sectionOf, treatmentIn } from './journal-views';
import { ROUTINE_TYPES } from './routine-summaries';

/** Every type of the schemas that is an entry of the record (not a consent decision, task step or correction). */
const JOURNAL_ENTRY_TYPES = ENTRY_TYPE_NAMES.filter(isRecordEntryType);
const sectioned = (): string[] => Object.values(SECTIONS).flat();

describe('entry-type lists are the schemas’ names', () => {
  it('has an authoring rule for every type with a schema, and a schema for every rule', () => {
    expect(ENTRY_TYPES.map((rule) => rule.type).sort()).toEqual([...ENTRY_TYPE_NAMES].sort());
  });

  it('refuses a misspelt type at type-checking', () => {
    // @ts-expect-error: not a type with a schema (npm run typecheck fails if this compiles).
    const misspelt: EntryTypeName = 'WoundCareRecordd';
    expect(ENTRY_TYPE_NAMES).not.toContain(misspelt);
  });
});

describe('journal sections', () => {
  it('puts every journal entry type in a section, so that no type hides from every view', () => {
    const inNoSection = JOURNAL_ENTRY_TYPES.filter((type) => sectionOf(type) === undefined);
    expect(inNoSection).toEqual([]);
  });

  it('puts each type in one section only', () => {
    const all = sectioned();
    expect(all.filter((type, index) => all.indexOf(type) !== index)).toEqual([]);
  });

  it('places every type with a schema once: in a section, or as state (consent, task step, correction)', () => {
    const placed = [...sectioned(), ...STATE_ENTRY_TYPES];
    expect(ENTRY_TYPE_NAMES.filter((type) => !placed.includes(type))).toEqual([]);
    expect(placed.filter((type, index) => placed.indexOf(type) !== index)).toEqual([]);
    expect(placed).toHaveLength(ENTRY_TYPE_NAMES.length);
  });

  it('holds only journal entry types: consent decisions, task steps and corrections are state', () => {
    expect(sectioned().filter((type) => !isRecordEntryType(type))).toEqual([]);
  });
});

describe.each(VIEW_ROLES)('the %s view', (role) => {
  const view = JOURNAL_VIEWS[role];

  it('places every section in exactly one of narrative, sections and omitted', () => {
    const declared = [...view.narrative, ...view.sections, ...view.omitted];
    expect([...declared].sort()).toEqual([...SECTION_NAMES].sort());
    expect(new Set(declared).size).toBe(declared.length);
  });

  it('sees every journal entry type in some section, or leaves it out on purpose', () => {
    for (const type of JOURNAL_ENTRY_TYPES) {
      const section = sectionOf(type);
      const treatment = treatmentIn(view, type);
      if (section !== undefined && view.omitted.includes(section))
        expect([type, treatment]).toEqual([type, 'omit']);
      else expect([type, treatment]).not.toEqual([type, 'omit']);
    }
  });

  it('digests only routine types it shows in some section', () => {
    for (const type of view.digest) {
      expect(ROUTINE_TYPES).toContain(type);
      expect([type, treatmentIn(view, type)]).toEqual([type, 'digest']);
    }
  });
});
