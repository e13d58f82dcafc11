import { ENTRY_TYPES } from '../source-domains';
import { VIEW_ROLES } from '../roles';
import { ALWAYS_SHOW, RULE_PAYLOAD_FIELDS, type AlwaysShowRule } from './journal-views';

/**
 * The read model keeps only RULE_PAYLOAD_FIELDS of each payload for the whole-record counts
 * (record_summary): a rule that read any other field would be decided there on a payload
 * without it, and a count would be wrong without any test of a count noticing. So every field a
 * rule reads is found here by running it on payloads that record what is read.
 */
function fieldsRead(rule: AlwaysShowRule): Set<string> {
  const read = new Set<string>();
  // Each answer walks the rule past a different short cut (`=== true`, a string compared, none).
  const answers: unknown[] = [undefined, true, false, 'deteriorating', 'abnormal', 'H', 1];
  for (const answer of answers) {
    const payload = new Proxy<Record<string, unknown>>(
      {},
      {
        get: (_target, key) => {
          read.add(String(key));
          return answer;
        },
        has: (_target, key) => {
          read.add(String(key));
          return answer !== undefined;
        },
        ownKeys: () => {
          read.add('(every key)');
          return [];
        },
      },
    );
    for (const { type } of ENTRY_TYPES)
      for (const role of VIEW_ROLES)
        rule.applies(
          {
            eventId: '00000000-0000-4000-8000-000000000000',
            entryType: type,
            occurredAt: new Date(0),
            sensitivity: [],
            attention: null,
            payload,
            source: { organisation: 'A81001' },
          },
          { role, organisation: 'A81001' },
        );
  }
  return read;
}

describe('the payload fields the always-show rules read, which the read model keeps for counts', () => {
  it.each(ALWAYS_SHOW.map((rule) => [rule.name, rule] as const))(
    'given the rule %s, when run on every entry type for every reader, then it reads only the payload fields it lists',
    (_name, rule) => {
      const unlisted = [...fieldsRead(rule)].filter(
        (field) => !(rule.payloadFields ?? []).includes(field),
      );
      expect(unlisted).toEqual([]);
    },
  );

  it('given a rule that reads a field it does not list, when checked, then the field is found', () => {
    const unlisted: AlwaysShowRule = {
      name: 'unlisted',
      roles: ['gp'],
      payloadFields: ['interpretation'],
      applies: (entry) =>
        entry.entryType === 'TestResultRecorded' && entry.payload['comment'] === 'urgent',
    };
    expect([...fieldsRead(unlisted)]).toEqual(['comment']);
  });

  it('given every rule, then RULE_PAYLOAD_FIELDS is every field any of them lists, and nothing else', () => {
    expect(RULE_PAYLOAD_FIELDS).toEqual(
      [...new Set(ALWAYS_SHOW.flatMap((rule) => [...fieldsRead(rule)]))].sort(),
    );
  });
});
