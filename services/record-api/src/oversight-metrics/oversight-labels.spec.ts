import { DomainError } from '@carelog/domain';
import {
  BREAK_GLASS_REFUSAL_CODES,
  CLAIM_REFUSAL_CODES,
  failureLabels,
  verificationResult,
} from './oversight-labels';

describe('oversight metric labels', () => {
  describe('a request that threw', () => {
    it('is refused with its code when the route lists the code', () => {
      expect(
        failureLabels(
          new DomainError('break-glass-reason-required', 'must state why', 'reason'),
          BREAK_GLASS_REFUSAL_CODES,
        ),
      ).toEqual({ outcome: 'refused', code: 'break-glass-reason-required' });
      expect(
        failureLabels(new DomainError('idempotency-key-reused', 'reused'), CLAIM_REFUSAL_CODES),
      ).toEqual({ outcome: 'refused', code: 'idempotency-key-reused' });
    });

    it('is refused as `other` when the code is not on the list, whatever the code says', () => {
      const nhsNumber = '9434765919';
      expect(
        failureLabels(new DomainError(nhsNumber, 'not a code'), BREAK_GLASS_REFUSAL_CODES),
      ).toEqual({ outcome: 'refused', code: 'other' });
      expect(
        failureLabels(
          new DomainError('claim-reason-required', 'a claim code'),
          BREAK_GLASS_REFUSAL_CODES,
        ),
      ).toEqual({ outcome: 'refused', code: 'other' });
    });

    it('failed, not refused, when the service could not answer', () => {
      expect(
        failureLabels(new DomainError('broker-unavailable', 'down'), CLAIM_REFUSAL_CODES),
      ).toEqual({ outcome: 'failed', code: 'none' });
      expect(failureLabels(new Error('connection reset'), CLAIM_REFUSAL_CODES)).toEqual({
        outcome: 'failed',
        code: 'none',
      });
    });

    it('lists only kebab-case codes', () => {
      for (const code of [...BREAK_GLASS_REFUSAL_CODES, ...CLAIM_REFUSAL_CODES])
        expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    });
  });

  describe('a verification', () => {
    it('is ok when the chain holds, broken when it does not, failed when it threw', () => {
      expect(verificationResult({ ok: true })).toBe('ok');
      expect(verificationResult({ ok: false })).toBe('broken');
      expect(verificationResult({ error: new Error('database unreachable') })).toBe('failed');
    });
  });
});
