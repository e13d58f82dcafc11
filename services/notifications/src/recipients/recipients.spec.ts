import type { ConsentFacts } from '@carelog/domain';
import {
  attentionOf,
  mayStillBeTold,
  subjectEntryOf,
  notifiableReasons,
  recipientsOf,
  storedFactsOf,
  type CarerApproval,
  type NotifiableEntry,
  type PatientState,
  type Subscriber,
} from './recipients';

const NOW = new Date('2026-05-12T10:00:00Z');
const NOTIFY = new Set(['CarePlanChanged']);
const CARE_HOME = '8KL01';
const GP_PRACTICE = 'A81001';
const UNRELATED = 'Z99999';

const carePlanChange = (overrides: Partial<NotifiableEntry> = {}): NotifiableEntry => ({
  eventId: '11111111-1111-4111-8111-111111111111',
  entryId: '11111111-1111-4111-8111-111111111111',
  nhsNumber: '9434765919',
  entryType: 'CarePlanChanged',
  occurredAt: NOW,
  recordedAt: NOW,
  sensitivity: [],
  attention: null,
  payload: {},
  source: { organisation: CARE_HOME },
  ...overrides,
});

const given = (
  carers: Record<string, CarerApproval> = {},
  consents: ConsentFacts = { seals: [], shares: [] },
): PatientState => ({
  relationships: [
    { organisation: CARE_HOME, endedAt: null, expiresAt: null },
    { organisation: GP_PRACTICE, endedAt: null, expiresAt: null },
  ],
  carers: new Map(Object.entries(carers)),
  consents,
});

const carer = (userId: string): Subscriber => ({ userId, role: 'carer', organisation: 'carers' });
const staff = (userId: string, role: string, organisation: string): Subscriber => ({
  userId,
  role,
  organisation,
});
const told = (
  entry: NotifiableEntry,
  subscribers: Subscriber[],
  state: PatientState,
): Array<[string, string]> =>
  recipientsOf(entry, notifiableReasons(entry, NOTIFY), subscribers, state, NOW).map(
    ({ subscriber, reason }) => [subscriber.userId, reason],
  );

describe('who is told of an entry', () => {
  it('tells only the role and organisation an unacknowledged task escalated to, with a link to the flagged entry', () => {
    const flagged = '22222222-2222-4222-8222-222222222222';
    const event = {
      type: 'AttentionEscalated' as const,
      eventId: '33333333-3333-4333-8333-333333333333',
      supersedes: null,
      attention: null,
      payload: {
        entryEventId: flagged,
        entryType: 'CareVisitRecorded',
        level: 1,
        unacknowledgedSeconds: 86_400,
        escalatedTo: { role: 'social-worker', organisation: CARE_HOME },
      },
    };
    const escalation = carePlanChange({
      entryType: 'AttentionEscalated',
      entryId: subjectEntryOf(event),
      attention: attentionOf(event),
    });
    const state = given({ jo: { scope: ['social-care'], notify: true } });
    expect(
      told(
        escalation,
        [
          carer('jo'),
          staff('sw', 'social-worker', CARE_HOME),
          staff('cw', 'care-worker', CARE_HOME),
          staff('dr', 'gp', GP_PRACTICE),
          staff('elsewhere', 'social-worker', UNRELATED),
        ],
        state,
      ),
    ).toEqual([['sw', 'attention']]);
    expect(escalation.entryId).toBe(flagged);
    // @ts-expect-error: a payload without its schema's fields, which the codec never decodes.
    expect(attentionOf({ ...event, payload: {} })).toBeNull();
  });

  it('tells an approved carer whose scope holds the entry’s section, and the care team', () => {
    const state = given({ jo: { scope: ['social-care'], notify: true } });
    expect(
      told(
        carePlanChange(),
        [carer('jo'), staff('sw', 'social-worker', CARE_HOME), staff('dr', 'gp', GP_PRACTICE)],
        state,
      ),
    ).toEqual([
      ['jo', 'entry-type'],
      ['sw', 'entry-type'],
      ['dr', 'entry-type'],
    ]);
  });

  it('does not tell a revoked carer, a carer outside scope, or one the patient asked not to notify', () => {
    const state = given({
      narrow: { scope: ['medicines'], notify: true },
      quiet: { scope: ['social-care'], notify: false },
    });
    expect(
      told(carePlanChange(), [carer('revoked'), carer('narrow'), carer('quiet')], state),
    ).toEqual([]);
  });

  it('does not tell staff of an organisation without an active relationship, nor privacy officers or patients', () => {
    const state: PatientState = {
      ...given(),
      relationships: [{ organisation: CARE_HOME, endedAt: NOW, expiresAt: null }],
    };
    expect(
      told(
        carePlanChange(),
        [
          staff('sw', 'social-worker', CARE_HOME),
          staff('other', 'social-worker', UNRELATED),
          staff('po', 'privacy-officer', CARE_HOME),
          staff('pat', 'patient', CARE_HOME),
        ],
        state,
      ),
    ).toEqual([]);
  });

  it('does not tell anyone the patient sealed the entry from, nor about a legally protected category without consent', () => {
    const entry = carePlanChange();
    const sealed = given(
      { jo: { scope: ['social-care'], notify: true } },
      {
        seals: [{ entryEventId: entry.eventId, kind: 'person', value: 'jo' }],
        shares: [],
      },
    );
    expect(told(entry, [carer('jo'), staff('sw', 'social-worker', CARE_HOME)], sealed)).toEqual([
      ['sw', 'entry-type'],
    ]);
    const protectedEntry = carePlanChange({ sensitivity: ['sexual-health'] });
    const subscribers = [
      carer('jo'),
      staff('sw', 'social-worker', CARE_HOME),
      staff('dr', 'gp', GP_PRACTICE),
    ];
    const state = given({ jo: { scope: ['social-care'], notify: true } });
    // Only the authoring organisation, until the patient shares the category.
    expect(told(protectedEntry, subscribers, state)).toEqual([['sw', 'entry-type']]);
    const shared = {
      ...state,
      consents: { seals: [], shares: [{ category: 'sexual-health', organisation: GP_PRACTICE }] },
    };
    expect(told(protectedEntry, subscribers, shared)).toEqual([
      ['sw', 'entry-type'],
      ['dr', 'entry-type'],
    ]);
  });

  it('tells only the role and organisation an attention flag names', () => {
    const referral = carePlanChange({
      entryType: 'ReferralMade',
      source: { organisation: GP_PRACTICE },
      attention: { role: 'social-worker', organisation: CARE_HOME, reason: 'please review' },
    });
    expect(
      told(
        referral,
        [
          staff('named', 'social-worker', CARE_HOME),
          staff('other-role', 'care-worker', CARE_HOME),
          staff('other-org', 'social-worker', GP_PRACTICE),
          carer('jo'),
        ],
        given({ jo: { scope: ['gp'], notify: true } }),
      ),
    ).toEqual([['named', 'attention']]);
  });

  it('still needs an active relationship for an attention flag (deny by default)', () => {
    const flagged = carePlanChange({
      entryType: 'ReferralMade',
      attention: { role: 'gp', organisation: UNRELATED, reason: null },
    });
    expect(told(flagged, [staff('dr', 'gp', UNRELATED)], given())).toEqual([]);
  });

  it('notifies nothing for entry types not configured and without attention; unknown configured names never match', () => {
    expect(notifiableReasons({ entryType: 'CareVisitRecorded', attention: null }, NOTIFY)).toEqual(
      [],
    );
    expect(
      notifiableReasons({ entryType: 'CarePlanChanged', attention: null }, new Set(['NoSuchType'])),
    ).toEqual([]);
  });
});

describe('deciding again before a later delivery', () => {
  const entry = carePlanChange();
  const stored = {
    nhsNumber: entry.nhsNumber,
    eventId: entry.eventId,
    entryType: entry.entryType,
    occurredAt: entry.occurredAt,
    reason: 'entry-type' as const,
    facts: storedFactsOf(entry),
  };

  it('still tells a carer who is still approved, and not one revoked or sealed from the entry since', () => {
    expect(
      mayStillBeTold(
        carer('jo'),
        stored,
        given({ jo: { scope: ['social-care'], notify: true } }),
        NOW,
      ),
    ).toBe(true);
    expect(mayStillBeTold(carer('jo'), stored, given(), NOW)).toBe(false);
    expect(
      mayStillBeTold(
        carer('jo'),
        stored,
        given(
          { jo: { scope: ['social-care'], notify: true } },
          { seals: [{ entryEventId: entry.eventId, kind: 'role', value: 'carer' }], shares: [] },
        ),
        NOW,
      ),
    ).toBe(false);
  });

  it('does not tell staff whose organisation’s relationship has ended', () => {
    const ended: PatientState = {
      ...given(),
      relationships: [{ organisation: CARE_HOME, endedAt: NOW, expiresAt: null }],
    };
    expect(mayStillBeTold(staff('sw', 'social-worker', CARE_HOME), stored, given(), NOW)).toBe(
      true,
    );
    expect(mayStillBeTold(staff('sw', 'social-worker', CARE_HOME), stored, ended, NOW)).toBe(false);
  });
});
