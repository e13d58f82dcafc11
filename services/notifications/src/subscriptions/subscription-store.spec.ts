import type { Caller } from '@carelog/auth';
import { assertMayBeNotified } from './subscription-store';

const caller = (over: Partial<Caller>): Caller => ({
  userId: 'u',
  role: 'carer',
  profession: 'carer',
  organisation: 'NHSLOGIN',
  system: 'test',
  ...over,
});

describe('who may subscribe to notifications', () => {
  it('lets a P9 carer and care-team staff subscribe', () => {
    expect(() => assertMayBeNotified(caller({ identityProofingLevel: 'P9' }))).not.toThrow();
    expect(() => assertMayBeNotified(caller({ role: 'gp', organisation: 'A81001' }))).not.toThrow();
  });

  it.each([['P5'], ['P0'], [undefined]])(
    'refuses a carer at %s: identity-proofing-insufficient',
    (level) => {
      expect(() =>
        assertMayBeNotified(caller(level ? { identityProofingLevel: level } : {})),
      ).toThrow(expect.objectContaining({ code: 'identity-proofing-insufficient' }));
    },
  );

  it('refuses patients and privacy officers', () => {
    for (const role of ['patient', 'privacy-officer'] as const)
      expect(() => assertMayBeNotified(caller({ role, identityProofingLevel: 'P9' }))).toThrow(
        expect.objectContaining({ code: 'not-permitted' }),
      );
  });
});
