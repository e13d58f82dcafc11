import { loadEventCodec, schemasDir } from '@carelog/codec';
import { entryTypesOf, SOURCE_DOMAINS } from '@carelog/domain';
import { isMappedEntryType, writesOfBundle } from '@carelog/fhir';
import { fhirR4Problems } from '@carelog/testing';
import { fhirWritableRules } from './fhir-write.controller';
import { fhirBundleExample } from './openapi';

describe('the OpenAPI example of POST /fhir/R4, for every producer', () => {
  const codec = loadEventCodec();
  const domains = SOURCE_DOMAINS.filter((domain) =>
    entryTypesOf(domain).some((rule) => isMappedEntryType(rule.type)),
  );

  it.each(domains)(
    '%s: a valid R4 Bundle of every FHIR type it takes, that it reads back',
    (domain) => {
      const rules = fhirWritableRules(domain);
      const bundle = JSON.parse(
        JSON.stringify(fhirBundleExample(codec.catalogue, schemasDir, rules)),
      ) as object;
      expect(fhirR4Problems(bundle)).toEqual([]);
      const { writes } = writesOfBundle(bundle, (key) => `event-of-${key}`);
      expect(writes.map((write) => write.draft.type)).toEqual(rules.map((rule) => rule.type));
    },
  );

  it('takes no type that no role may author, though it is served as FHIR', () => {
    expect(isMappedEntryType('HomeReadingsFlagged')).toBe(true);
    expect(fhirWritableRules('patient').map((rule) => rule.type)).not.toContain(
      'HomeReadingsFlagged',
    );
    expect(fhirWritableRules('patient').map((rule) => rule.type)).toContain('PatientNoteAdded');
  });
});
