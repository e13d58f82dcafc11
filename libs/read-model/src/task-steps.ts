import { TASK_STEP_TYPES, type TaskStepFacts } from '@carelog/domain';
import type { DataSource } from 'typeorm';
import { EntryVersionRow } from './entities';

/** A step of an attention task as the read model keeps it (an AttentionEscalated or -Acknowledged version). */
export interface TaskStepRead {
  taskId: string;
  eventId: string;
  facts: TaskStepFacts;
  /** An acknowledgement's note; null for an escalation or an acknowledgement without one. */
  note: string | null;
}

/** The named mapper from a stored task-step version to what the task rules read. */
export function taskStepOf(row: EntryVersionRow): TaskStepRead {
  const { payload } = row;
  const note = payload['note'];
  const escalatedTo = (payload['escalatedTo'] ?? {}) as { role: string; organisation: string };
  return {
    taskId: String(payload['entryEventId']),
    eventId: row.eventId,
    facts:
      row.entryType === 'AttentionEscalated'
        ? {
            step: 'escalated',
            at: row.recordedAt,
            level: Number(payload['level']),
            escalatedTo: { role: escalatedTo.role, organisation: escalatedTo.organisation },
          }
        : {
            step: 'acknowledged',
            at: row.recordedAt,
            by: {
              userId: row.author.userId,
              role: row.author.role,
              organisation: row.author.organisation,
            },
          },
    note: row.entryType === 'AttentionAcknowledged' && typeof note === 'string' ? note : null,
  };
}

/** Every step of these tasks of one patient, in the order they were recorded. */
export async function readTaskSteps(
  dataSource: DataSource,
  nhsNumber: string,
  taskIds: readonly string[],
): Promise<TaskStepRead[]> {
  if (taskIds.length === 0) return [];
  const rows = await dataSource
    .getRepository(EntryVersionRow)
    .createQueryBuilder('step')
    .where('step.nhsNumber = :nhsNumber', { nhsNumber })
    .andWhere('step.entryType IN (:...types)', { types: [...TASK_STEP_TYPES] })
    .andWhere(`step.payload->>'entryEventId' IN (:...ids)`, { ids: [...taskIds] })
    .orderBy('step.recordedAt', 'ASC')
    .addOrderBy('step.offset', 'ASC')
    .getMany();
  return rows.map(taskStepOf);
}
