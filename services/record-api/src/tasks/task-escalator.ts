import { Logger } from '@nestjs/common';
import { dueEscalation, type EscalationPolicy } from '@carelog/domain';
import type { EntryRecorder } from '@carelog/producer';
import { AttentionTaskRow, RecordEntryRow } from '@carelog/read-model';
import { Counter } from 'prom-client';
import { metricsRegistry, PollingLoop } from '@carelog/nest-platform';
import { In, type DataSource } from 'typeorm';
import { flaggedEntryFacts, taskFacts } from './task-board';

const escalated = new Counter({
  name: 'carelog_tasks_escalated_total',
  help: 'Attention tasks escalated because nobody acknowledged them in time',
  registers: [metricsRegistry],
});

/** How many overdue tasks one sweep looks at; the next sweep takes the rest. */
export const ESCALATION_BATCH = 100;

/**
 * Escalates open tasks left unacknowledged past the policy's time. Safe to run in every
 * record-API instance: an escalation's event id follows from the task and its level, so two
 * instances that both see it due publish one event between them.
 */
export class TaskEscalator {
  private readonly loop: PollingLoop<number>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly recorder: EntryRecorder,
    private readonly policy: EscalationPolicy,
    sweepMs: number,
  ) {
    this.loop = new PollingLoop({
      name: 'escalation sweep',
      run: () => this.sweep(),
      intervalMs: sweepMs,
      logger: new Logger('TaskEscalator'),
    });
  }

  start(): void {
    if (this.policy.maxLevel === 0) return;
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Publishes every escalation due now (up to a batch); answers how many. */
  async sweep(now = new Date()): Promise<number> {
    // Only tasks whose next level is due: one left at its last level never crowds out the rest.
    const candidates = await this.dataSource
      .getRepository(AttentionTaskRow)
      .createQueryBuilder('task')
      .where(`task.status = 'open'`)
      .andWhere('task.escalationLevel < :maxLevel', { maxLevel: this.policy.maxLevel })
      .andWhere(
        `task.flaggedAt <= CAST(:now AS timestamptz) - (task.escalationLevel + 1) * CAST(:afterMs AS bigint) * interval '1 millisecond'`,
        { now: now.toISOString(), afterMs: this.policy.afterMs },
      )
      .orderBy('task.flaggedAt', 'ASC')
      .limit(ESCALATION_BATCH)
      .getMany();
    const due = candidates.flatMap((row) => {
      const escalation = dueEscalation(taskFacts(row), this.policy, now);
      return escalation ? [{ row, escalation }] : [];
    });
    if (due.length === 0) return 0;
    const entries = await this.dataSource
      .getRepository(RecordEntryRow)
      .findBy({ eventId: In(due.map(({ row }) => row.taskId)) });
    const sensitivity = new Map(entries.map((entry) => [entry.eventId, entry.sensitivity]));
    for (const { row, escalation } of due) {
      // The step carries its entry's sensitivity; without the entry there is nothing to go on.
      const categories = sensitivity.get(row.taskId);
      if (!categories) continue;
      await this.recorder.escalate(
        {
          ...flaggedEntryFacts(row, categories),
          recipientOrganisation: row.recipientOrganisation,
        },
        escalation,
      );
      escalated.inc();
    }
    return due.length;
  }
}
