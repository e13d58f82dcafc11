import type { Caller } from '@carelog/auth';
import {
  decodePageCursor,
  DomainError,
  encodePageCursor,
  isUuid,
  parsePageSize,
  type PagePosition,
  isStaffRole,
  isTaskAddressedTo,
  nextEscalationAt,
  SOURCE_DOMAINS,
  type EscalationPolicy,
  type SourceDomain,
  type TaskFacts,
} from '@carelog/domain';
import type { FlaggedEntryFacts } from '@carelog/producer';
import { AttentionTaskRow, readTaskSteps } from '@carelog/read-model';
import type { EntryDisclosure } from '@carelog/domain';
import { Brackets, type DataSource } from 'typeorm';
import type { OpenedPatient, PatientGate } from '../patient-gate/patient-gate';
import { disclosureTo, type EntryView, type RecordQuery } from '../patient-record/record-query';

export const TASK_STATUS_FILTERS = ['open', 'acknowledged', 'withdrawn', 'all'] as const;
export type TaskStatusFilter = (typeof TASK_STATUS_FILTERS)[number];
export const DEFAULT_TASK_PAGE = 50;
export const MAX_TASK_PAGE = 200;

/** A task as the API shows it: what was flagged, for whom, and where it stands. */
export interface TaskView {
  id: string;
  nhsNumber: string;
  entry: {
    eventId: string;
    type: string;
    setting: string;
    occurredAt: string;
    organisation: string;
  };
  reason: string | null;
  /** How soon it needs acting on, where the flagged entry says (home-reading rules: urgent is same-day). */
  urgency: 'urgent' | 'routine' | null;
  recipient: { role: string; organisation: string };
  status: TaskFacts['status'];
  flaggedAt: string;
  nextEscalationAt: string | null;
  escalation: {
    level: number;
    escalatedAt: string;
    escalatedTo: { role: string; organisation: string };
  } | null;
  acknowledgement: {
    at: string;
    by: { userId: string; role: string; organisation: string };
  } | null;
}

export type TaskStep =
  | { step: 'flagged'; at: string; eventId: string; by: { role: string; organisation: string } }
  | {
      step: 'escalated';
      at: string;
      eventId: string;
      level: number;
      escalatedTo: { role: string; organisation: string };
    }
  | {
      step: 'acknowledged';
      at: string;
      eventId: string;
      by: { userId: string; role: string; organisation: string };
      note: string | null;
    };

export interface TaskList {
  tasks: TaskView[];
  /** Tasks addressed to the caller that the access rules do not let them see; never which. */
  withheld: number;
  nextCursor: string | null;
}

export const taskFacts = (row: AttentionTaskRow): TaskFacts => ({
  taskId: row.taskId,
  recipient: { role: row.recipientRole, organisation: row.recipientOrganisation },
  status: row.status,
  flaggedAt: row.flaggedAt,
  escalationLevel: row.escalationLevel,
  escalatedTo:
    row.escalatedToRole && row.escalatedToOrganisation
      ? { role: row.escalatedToRole, organisation: row.escalatedToOrganisation }
      : null,
});

export function flaggedEntryFacts(row: AttentionTaskRow, sensitivity: string[]): FlaggedEntryFacts {
  if (!(SOURCE_DOMAINS as readonly string[]).includes(row.domain))
    throw new Error(`task ${row.taskId} names an unknown setting`);
  return {
    taskId: row.taskId,
    nhsNumber: row.nhsNumber,
    entryType: row.entryType,
    domain: row.domain as SourceDomain,
    sensitivity,
  };
}

const encodeCursor = (row: AttentionTaskRow): string =>
  encodePageCursor({ at: row.flaggedAt, id: row.taskId });

export function parseTaskFilters(query: Record<string, string | undefined>): {
  status: TaskStatusFilter;
  limit: number;
  cursor?: PagePosition;
} {
  const status = query['status'] ?? 'open';
  if (!(TASK_STATUS_FILTERS as readonly string[]).includes(status))
    throw new DomainError(
      'invalid-status',
      `must be one of ${TASK_STATUS_FILTERS.join(', ')}`,
      'status',
    );
  const limit = parsePageSize(query['limit'], {
    fallback: DEFAULT_TASK_PAGE,
    max: MAX_TASK_PAGE,
    code: 'invalid-limit',
  });
  return {
    status: status as TaskStatusFilter,
    limit,
    ...(query['cursor'] !== undefined ? { cursor: decodePageCursor(query['cursor']) } : {}),
  };
}

export const taskNotFound = (): DomainError =>
  new DomainError('task-not-found', 'no task with that id is addressed to you');

/**
 * Whether the caller may see a task's entry: as the record would show it, with the entry
 * counted as flagged for them (also when it reached them by escalation).
 */
function entryDisclosureAsTask(
  patient: OpenedPatient,
  caller: Caller,
  row: AttentionTaskRow,
  entry: EntryView,
): EntryDisclosure {
  return disclosureTo(patient, {
    ...entry,
    attention: { role: caller.role, organisation: caller.organisation, reason: row.reason },
  });
}

function requireStaff(caller: Caller): void {
  if (!isStaffRole(caller.role) || caller.role === 'privacy-officer')
    throw new DomainError(
      'not-permitted',
      'tasks are addressed to care professionals',
      'Authorization',
    );
}

/** A task the caller may see, with the patient opened for them (and audited by the caller). */
export interface OpenedTask {
  row: AttentionTaskRow;
  entry: EntryView;
  audit: () => Promise<void>;
}

/**
 * The task list: tasks addressed to the caller's role and organisation, each shown only if
 * the caller may read that patient and see the flagged entry (relationship, sensitivity,
 * seals), exactly as the record would show it. Every patient looked at is audited.
 */
export class TaskBoard {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gate: PatientGate,
    private readonly policy: EscalationPolicy,
    private readonly records: RecordQuery,
  ) {}

  private view(row: AttentionTaskRow, entry: EntryView): TaskView {
    const facts = taskFacts(row);
    const next = nextEscalationAt(facts, this.policy);
    return {
      id: row.taskId,
      nhsNumber: row.nhsNumber,
      entry: {
        eventId: entry.eventId,
        type: entry.type,
        setting: entry.setting,
        occurredAt: entry.occurredAt,
        organisation: entry.source.organisation,
      },
      reason: row.reason,
      urgency:
        entry.payload['urgency'] === 'urgent' || entry.payload['urgency'] === 'routine'
          ? entry.payload['urgency']
          : null,
      recipient: facts.recipient,
      status: row.status,
      flaggedAt: row.flaggedAt.toISOString(),
      nextEscalationAt: next?.toISOString() ?? null,
      escalation:
        facts.escalatedTo && row.escalatedAt
          ? {
              level: row.escalationLevel,
              escalatedAt: row.escalatedAt.toISOString(),
              escalatedTo: facts.escalatedTo,
            }
          : null,
      acknowledgement:
        row.acknowledgedAt && row.acknowledgedBy
          ? { at: row.acknowledgedAt.toISOString(), by: row.acknowledgedBy }
          : null,
    };
  }

  /**
   * Whether the caller may see the flagged entry. The task is addressed to them, so the entry
   * counts as flagged for them (also when it reached them by escalation); every other rule
   * (relationship, sensitivity, seals) applies as for the record. Every way of not finding a
   * task does the same work (the task and its entry looked up, the gate's reads, one audit
   * row), so that a hidden task's id answers as a random one does, in content and in time.
   */
  private async openFor(
    caller: Caller,
    row: AttentionTaskRow | null,
    entry: EntryView | undefined,
    action: 'read-tasks' | 'acknowledge-task',
  ): Promise<OpenedTask | null> {
    if (!row || !entry || !isTaskAddressedTo(taskFacts(row), caller)) {
      await this.gate.refuse(caller, row?.nhsNumber ?? null, action);
      return null;
    }
    const patient = await this.gate.tryOpen(caller, row.nhsNumber, action);
    if (!patient) return null;
    if (entryDisclosureAsTask(patient, caller, row, entry) !== 'shown') {
      await patient.audit(0);
      return null;
    }
    return { row, entry, audit: () => patient.audit(1) };
  }

  async list(caller: Caller, filters: ReturnType<typeof parseTaskFilters>): Promise<TaskList> {
    requireStaff(caller);
    const query = this.dataSource
      .getRepository(AttentionTaskRow)
      .createQueryBuilder('task')
      .where(
        new Brackets((addressed) =>
          addressed
            .where('(task.recipientRole = :role AND task.recipientOrganisation = :organisation)')
            .orWhere(
              '(task.escalatedToRole = :role AND task.escalatedToOrganisation = :organisation)',
            ),
        ),
        { role: caller.role, organisation: caller.organisation },
      );
    if (filters.status !== 'all')
      query.andWhere('task.status = :status', { status: filters.status });
    if (filters.cursor)
      query.andWhere('(task.flaggedAt, task.taskId) > (:after, :afterId)', {
        after: filters.cursor.at,
        afterId: filters.cursor.id,
      });
    const rows = await query
      .orderBy('task.flaggedAt', 'ASC')
      .addOrderBy('task.taskId', 'ASC')
      .limit(filters.limit + 1)
      .getMany();
    const page = rows.slice(0, filters.limit);
    const entries = new Map(
      (await this.records.entriesByIds(page.map((row) => row.taskId))).map((entry) => [
        entry.eventId,
        entry,
      ]),
    );
    const shown = new Map<string, TaskView>();
    let withheld = 0;
    // One gate decision per patient: relationships and consents are the patient's, not the task's.
    for (const nhsNumber of new Set(page.map((row) => row.nhsNumber))) {
      const rows = page.filter((row) => row.nhsNumber === nhsNumber);
      const patient = await this.gate.tryOpen(caller, nhsNumber, 'read-tasks');
      let shownForPatient = 0;
      for (const row of rows) {
        const entry = entries.get(row.taskId);
        const disclosure =
          patient && entry ? entryDisclosureAsTask(patient, caller, row, entry) : 'left-out';
        if (patient && entry && disclosure === 'shown') {
          shown.set(row.taskId, this.view(row, entry));
          shownForPatient += 1;
          // A task whose entry is protected from the caller is not counted either.
        } else if (disclosure !== 'protected') withheld += 1;
      }
      await patient?.audit(shownForPatient);
    }
    const tasks = page.flatMap((row) => shown.get(row.taskId) ?? []);
    const last = page.at(-1);
    return {
      tasks,
      withheld,
      nextCursor: rows.length > filters.limit && last ? encodeCursor(last) : null,
    };
  }

  /** One task addressed to the caller and visible to them, or task-not-found. */
  async open(
    caller: Caller,
    taskId: string,
    action: 'read-tasks' | 'acknowledge-task',
  ): Promise<OpenedTask> {
    requireStaff(caller);
    if (!isUuid(taskId)) throw taskNotFound();
    const row = await this.dataSource.getRepository(AttentionTaskRow).findOneBy({ taskId });
    const [entry] = await this.records.entriesByIds([taskId]);
    const opened = await this.openFor(caller, row, entry, action);
    if (!opened) throw taskNotFound();
    return opened;
  }

  /** One task with every step it went through: who flagged it, escalations, acknowledgement. */
  async withSteps(caller: Caller, taskId: string): Promise<TaskView & { steps: TaskStep[] }> {
    const { row, entry, audit } = await this.open(caller, taskId, 'read-tasks');
    const read = await readTaskSteps(this.dataSource, row.nhsNumber, [taskId]);
    const steps: TaskStep[] = [
      {
        step: 'flagged',
        at: row.flaggedAt.toISOString(),
        eventId: row.taskId,
        by: { role: entry.author.role, organisation: entry.author.organisation },
      },
    ];
    for (const { eventId, facts, note } of read) {
      const at = facts.at.toISOString();
      steps.push(
        facts.step === 'escalated'
          ? { step: 'escalated', at, eventId, level: facts.level, escalatedTo: facts.escalatedTo }
          : { step: 'acknowledged', at, eventId, by: facts.by, note },
      );
    }
    await audit();
    return { ...this.view(row, entry), steps };
  }
}
