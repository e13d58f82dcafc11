import { DomainError } from './domain-error';
import { isRole, isStaffRole, type Role } from './roles';

/**
 * An entry flagged for attention is a task for the role and organisation it names (the GPs'
 * warning: "entry on notes ≠ doctor informed"). It stays open until someone it is addressed to
 * acknowledges it; left unacknowledged it escalates; every step is an event on the entry's
 * own topic, so who saw it, and when, can always be answered from the log.
 */
export type TaskStatus = 'open' | 'acknowledged' | 'withdrawn';

export interface TaskRecipient {
  role: string;
  organisation: string;
}

export interface TaskFacts {
  /** The flagged entry's id. */
  taskId: string;
  recipient: TaskRecipient;
  status: TaskStatus;
  /** When carelog accepted the flagged entry: the clock for escalation starts here. */
  flaggedAt: Date;
  escalationLevel: number;
  escalatedTo: TaskRecipient | null;
}

export interface EscalationPolicy {
  /** How long a task may wait unacknowledged before each escalation. */
  afterMs: number;
  /** Escalations at most: level 1 after `afterMs`, level 2 after twice that, ... */
  maxLevel: number;
  /** Whom a role's unacknowledged tasks escalate to, within the same organisation. */
  escalateRole: Partial<Record<Role, Role>>;
}

/** A day: long enough for a working team to act, short enough that nothing waits a week. */
export const DEFAULT_ESCALATE_AFTER_SECONDS = 24 * 60 * 60;
export const DEFAULT_MAX_ESCALATIONS = 3;
/** The more senior role in the same organisation, where there is one; otherwise the same role. */
export const DEFAULT_ESCALATION_ROLES: Partial<Record<Role, Role>> = {
  'practice-nurse': 'gp',
  'care-worker': 'social-worker',
  'health-visitor': 'midwife',
};

/** Whether a task is addressed to this caller: its recipient, or whom it escalated to. */
export function isTaskAddressedTo(
  task: Pick<TaskFacts, 'recipient' | 'escalatedTo'>,
  caller: TaskRecipient,
): boolean {
  const same = (recipient: TaskRecipient | null) =>
    recipient !== null &&
    recipient.role === caller.role &&
    recipient.organisation === caller.organisation;
  return same(task.recipient) || same(task.escalatedTo);
}

/** When the task next escalates, or null when it never will (acknowledged, withdrawn, or at the last level). */
export function nextEscalationAt(task: TaskFacts, policy: EscalationPolicy): Date | null {
  if (task.status !== 'open' || task.escalationLevel >= policy.maxLevel) return null;
  return new Date(task.flaggedAt.getTime() + (task.escalationLevel + 1) * policy.afterMs);
}

export interface Escalation {
  level: number;
  escalatedTo: TaskRecipient;
  unacknowledgedMs: number;
}

/** Pure: the escalation due now for this task, if any. */
export function dueEscalation(
  task: TaskFacts,
  policy: EscalationPolicy,
  now: Date,
): Escalation | null {
  const due = nextEscalationAt(task, policy);
  if (!due || due.getTime() > now.getTime()) return null;
  const role = task.recipient.role;
  const escalatedRole = isRole(role) ? (policy.escalateRole[role] ?? role) : role;
  return {
    level: task.escalationLevel + 1,
    escalatedTo: { role: escalatedRole, organisation: task.recipient.organisation },
    unacknowledgedMs: now.getTime() - task.flaggedAt.getTime(),
  };
}

const invalidSetting = (name: string, message: string) =>
  new DomainError('invalid-configuration', `${name} ${message}`, name);

/**
 * The escalation policy from configuration: `CARELOG_TASK_ESCALATE_AFTER_SECONDS`,
 * `CARELOG_TASK_MAX_ESCALATIONS` and `CARELOG_TASK_ESCALATION_ROLES`
 * (`care-worker:social-worker,practice-nurse:gp`; replaces the defaults when set).
 */
export function escalationPolicyFrom(
  settings: Record<string, string | undefined>,
): EscalationPolicy {
  const seconds = Number(
    settings['CARELOG_TASK_ESCALATE_AFTER_SECONDS'] ?? DEFAULT_ESCALATE_AFTER_SECONDS,
  );
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw invalidSetting('CARELOG_TASK_ESCALATE_AFTER_SECONDS', 'must be a positive number');
  const maxLevel = Number(settings['CARELOG_TASK_MAX_ESCALATIONS'] ?? DEFAULT_MAX_ESCALATIONS);
  if (!Number.isInteger(maxLevel) || maxLevel < 0 || maxLevel > 10)
    throw invalidSetting('CARELOG_TASK_MAX_ESCALATIONS', 'must be a whole number from 0 to 10');
  const mapping = settings['CARELOG_TASK_ESCALATION_ROLES'];
  let escalateRole = DEFAULT_ESCALATION_ROLES;
  if (mapping !== undefined && mapping.trim() !== '') {
    escalateRole = {};
    for (const pair of mapping.split(',')) {
      const [from, to, ...rest] = pair.split(':').map((part) => part.trim());
      if (!from || !to || rest.length > 0 || !isRole(from) || !isRole(to))
        throw invalidSetting('CARELOG_TASK_ESCALATION_ROLES', `has an unknown role in "${pair}"`);
      if (!isStaffRole(from) || !isStaffRole(to))
        throw invalidSetting('CARELOG_TASK_ESCALATION_ROLES', `must name staff roles ("${pair}")`);
      escalateRole[from] = to;
    }
  }
  return { afterMs: seconds * 1000, maxLevel, escalateRole };
}
