import { DomainError } from './domain-error';
import {
  dueEscalation,
  escalationPolicyFrom,
  isTaskAddressedTo,
  nextEscalationAt,
  type TaskFacts,
} from './tasks';

const flaggedAt = new Date('2026-11-20T09:00:00Z');
const task = (overrides: Partial<TaskFacts> = {}): TaskFacts => ({
  taskId: '6b1f7c2e-9a3d-5e41-8c7b-2d4e6f8a0b1c',
  recipient: { role: 'care-worker', organisation: 'LA0001' },
  status: 'open',
  flaggedAt,
  escalationLevel: 0,
  escalatedTo: null,
  ...overrides,
});
const hours = (n: number) => new Date(flaggedAt.getTime() + n * 3_600_000);
const policy = escalationPolicyFrom({ CARELOG_TASK_ESCALATE_AFTER_SECONDS: String(4 * 3600) });

describe('attention tasks', () => {
  it('are addressed to their recipient and, once escalated, to whom they escalated to', () => {
    const escalated = task({ escalatedTo: { role: 'social-worker', organisation: 'LA0001' } });
    expect(isTaskAddressedTo(escalated, { role: 'care-worker', organisation: 'LA0001' })).toBe(
      true,
    );
    expect(isTaskAddressedTo(escalated, { role: 'social-worker', organisation: 'LA0001' })).toBe(
      true,
    );
    expect(isTaskAddressedTo(escalated, { role: 'social-worker', organisation: 'LA0002' })).toBe(
      false,
    );
    expect(isTaskAddressedTo(task(), { role: 'social-worker', organisation: 'LA0001' })).toBe(
      false,
    );
  });

  it('do not escalate before the configured time', () => {
    expect(dueEscalation(task(), policy, hours(3.99))).toBeNull();
  });

  it('escalate to the more senior role in the same organisation once the time has passed', () => {
    expect(dueEscalation(task(), policy, hours(4))).toEqual({
      level: 1,
      escalatedTo: { role: 'social-worker', organisation: 'LA0001' },
      unacknowledgedMs: 4 * 3_600_000,
    });
  });

  it('escalate again, one level at a time, each period, up to the limit', () => {
    expect(dueEscalation(task({ escalationLevel: 1 }), policy, hours(7))).toBeNull();
    expect(dueEscalation(task({ escalationLevel: 1 }), policy, hours(8))?.level).toBe(2);
    expect(nextEscalationAt(task({ escalationLevel: 3 }), policy)).toBeNull();
    expect(dueEscalation(task({ escalationLevel: 3 }), policy, hours(100))).toBeNull();
  });

  it('never escalate once acknowledged or withdrawn', () => {
    expect(dueEscalation(task({ status: 'acknowledged' }), policy, hours(100))).toBeNull();
    expect(dueEscalation(task({ status: 'withdrawn' }), policy, hours(100))).toBeNull();
  });

  it('escalate to the same role when no more senior one is configured', () => {
    const gpTask = task({ recipient: { role: 'gp', organisation: 'A81001' } });
    expect(dueEscalation(gpTask, policy, hours(5))?.escalatedTo).toEqual({
      role: 'gp',
      organisation: 'A81001',
    });
  });

  it('take the role mapping from configuration, replacing the defaults', () => {
    const custom = escalationPolicyFrom({ CARELOG_TASK_ESCALATION_ROLES: 'gp:practice-nurse' });
    expect(custom.escalateRole).toEqual({ gp: 'practice-nurse' });
    expect(custom.afterMs).toBe(24 * 3_600_000);
  });

  it.each([
    [{ CARELOG_TASK_ESCALATE_AFTER_SECONDS: '0' }, 'CARELOG_TASK_ESCALATE_AFTER_SECONDS'],
    [{ CARELOG_TASK_ESCALATE_AFTER_SECONDS: 'soon' }, 'CARELOG_TASK_ESCALATE_AFTER_SECONDS'],
    [{ CARELOG_TASK_MAX_ESCALATIONS: '1.5' }, 'CARELOG_TASK_MAX_ESCALATIONS'],
    [{ CARELOG_TASK_ESCALATION_ROLES: 'gp:surgeon' }, 'CARELOG_TASK_ESCALATION_ROLES'],
    [{ CARELOG_TASK_ESCALATION_ROLES: 'carer:gp' }, 'CARELOG_TASK_ESCALATION_ROLES'],
  ])('refuse a bad setting %j, naming it', (settings, name) => {
    let thrown: unknown;
    try {
      escalationPolicyFrom(settings);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'invalid-configuration', field: name });
  });
});
