import { loadEventCodec, schemasDir } from '@carelog/codec';
import { entryTypesOf, SOURCE_DOMAINS } from '@carelog/domain';
import { isMappedEntryType, writesOfBundle } from '@carelog/fhir';
import { fhirR4Problems } from '@carelog/testing';
import { fhirBundleExample } from './openapi';

describe('the OpenAPI example of POST /fhir/R4, for every producer', () => {
  const codec = loadEventCodec();
  const domains = SOURCE_DOMAINS.filter((domain) =>
    entryTypesOf(domain).some((rule) => isMappedEntryType(rule.type)),
  );

  it.each(domains)(
    '%s: a valid R4 Bundle of every FHIR type it takes, that it reads back',
    (domain) => {
      const rules = entryTypesOf(domain).filter((rule) => isMappedEntryType(rule.type));
      const bundle = JSON.parse(
        JSON.stringify(fhirBundleExample(codec.catalogue, schemasDir, rules)),
      ) as object;
      expect(fhirR4Problems(bundle)).toEqual([]);
      const { writes } = writesOfBundle(bundle);
      expect(writes.map((write) => write.draft.type)).toEqual(rules.map((rule) => rule.type));
    },
  );
});
