import { taskStatusAt, type JournalTaskStatus, type TaskStepFacts } from '@carelog/domain';
import { AttentionTaskRow, readTaskSteps } from '@carelog/read-model';
import { In, type DataSource } from 'typeorm';
import type { EntryView } from '../patient-record/record-query';

/**
 * Where the tasks of flagged entries stand, for the journal. Asked only for entries the
 * reader is shown, so a task whose entry is hidden from them is never looked at, let alone
 * hinted at.
 */
export class JournalTasks {
  constructor(private readonly dataSource: DataSource) {}

  async statuses(
    nhsNumber: string,
    shown: readonly EntryView[],
    asAt: Date | undefined,
  ): Promise<Map<string, JournalTaskStatus>> {
    const flagged = shown.filter((entry) => entry.attention !== null);
    if (flagged.length === 0) return new Map();
    const ids = flagged.map((entry) => entry.eventId);
    const [rows, read] = await Promise.all([
      this.dataSource.getRepository(AttentionTaskRow).findBy({ taskId: In(ids), nhsNumber }),
      readTaskSteps(this.dataSource, nhsNumber, ids),
    ]);
    const steps = new Map<string, TaskStepFacts[]>();
    for (const { taskId, facts } of read) steps.set(taskId, [...(steps.get(taskId) ?? []), facts]);
    const byId = new Map(flagged.map((entry) => [entry.eventId, entry]));
    const statuses = new Map<string, JournalTaskStatus>();
    for (const row of rows) {
      // A task flagged after the time asked about did not exist then.
      if (asAt && row.flaggedAt.getTime() > asAt.getTime()) continue;
      const amendedAt = byId.get(row.taskId)?.amendedAt;
      statuses.set(
        row.taskId,
        taskStatusAt(
          {
            recipient: { role: row.recipientRole, organisation: row.recipientOrganisation },
            flaggedAt: row.flaggedAt,
            withdrawnAt: row.status === 'withdrawn' ? new Date(amendedAt ?? row.flaggedAt) : null,
          },
          steps.get(row.taskId) ?? [],
          asAt,
        ),
      );
    }
    return statuses;
  }
}
