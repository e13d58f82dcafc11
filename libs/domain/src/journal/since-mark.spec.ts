import { isNewSince, taskStatusAt, type TaskStepFacts } from './since-mark';

const at = (iso: string) => new Date(`2026-03-${iso}Z`);
const gp = { role: 'gp', organisation: 'A81001' };

describe('isNewSince', () => {
  const mark = at('10T09:00:00');

  describe('given an entry recorded before the mark and never amended', () => {
    it('when asked if it is new since the mark, then it is not', () => {
      expect(isNewSince({ recordedAt: at('09T09:00:00'), amendedAt: null }, mark)).toBe(false);
    });
  });

  describe('given an entry recorded before the mark and amended after it', () => {
    it('when asked if it is new since the mark, then it is (changed)', () => {
      expect(
        isNewSince({ recordedAt: at('09T09:00:00'), amendedAt: at('11T09:00:00') }, mark),
      ).toBe(true);
    });
  });

  describe('given an entry recorded after the mark', () => {
    it('when asked, then it is new; one recorded exactly at the mark is not', () => {
      expect(isNewSince({ recordedAt: at('10T09:00:01'), amendedAt: null }, mark)).toBe(true);
      expect(isNewSince({ recordedAt: mark, amendedAt: null }, mark)).toBe(false);
    });
  });
});

describe('taskStatusAt', () => {
  const task = { recipient: gp, flaggedAt: at('01T09:00:00'), withdrawnAt: null };
  const steps: TaskStepFacts[] = [
    {
      step: 'acknowledged',
      at: at('05T09:00:00'),
      by: { userId: 'dr-b', role: 'gp', organisation: 'A81001' },
    },
    {
      step: 'escalated',
      at: at('02T09:00:00'),
      level: 1,
      escalatedTo: { role: 'gp', organisation: 'A81001' },
    },
  ];

  describe('given a task escalated on the 2nd and acknowledged on the 5th', () => {
    it('when read now, then it is acknowledged, by whom and when, and says it was escalated to whom', () => {
      expect(taskStatusAt(task, steps)).toEqual({
        status: 'acknowledged',
        recipient: gp,
        flaggedAt: at('01T09:00:00').toISOString(),
        acknowledged: {
          at: at('05T09:00:00').toISOString(),
          by: { userId: 'dr-b', role: 'gp', organisation: 'A81001' },
        },
        escalated: { level: 1, at: at('02T09:00:00').toISOString(), to: gp },
      });
    });

    it('when read as at the 3rd, then it is open and escalated, as it stood then', () => {
      expect(taskStatusAt(task, steps, at('03T09:00:00'))).toMatchObject({
        status: 'open',
        acknowledged: null,
        escalated: { level: 1 },
      });
    });

    it('when read as at the 1st, then it is open and not escalated', () => {
      expect(taskStatusAt(task, steps, at('01T10:00:00'))).toMatchObject({
        status: 'open',
        escalated: null,
      });
    });
  });

  describe('given a task withdrawn on the 4th (its entry corrected)', () => {
    const withdrawn = { ...task, withdrawnAt: at('04T09:00:00') };

    it('when read now or as at the 4th, then it is withdrawn; as at the 3rd it was open', () => {
      expect(taskStatusAt(withdrawn, []).status).toBe('withdrawn');
      expect(taskStatusAt(withdrawn, [], at('04T09:00:00')).status).toBe('withdrawn');
      expect(taskStatusAt(withdrawn, [], at('03T09:00:00')).status).toBe('open');
    });
  });
});
