/**
 * "New since I last looked": a reader's mark on a patient's journal, and what is new or
 * changed after it. Pure.
 */

/** When an entry reached carelog, and when its current version did if it was amended. */
export interface RecordedTimes {
  recordedAt: Date;
  amendedAt: Date | null;
}

/** An entry is new since the mark if it, or its latest amendment, was recorded after it. */
export function isNewSince(entry: RecordedTimes, mark: Date): boolean {
  return (
    entry.recordedAt.getTime() > mark.getTime() ||
    (entry.amendedAt !== null && entry.amendedAt.getTime() > mark.getTime())
  );
}

/** One step of a task, as recorded on the flagged entry's topic. */
export type TaskStepFacts =
  | {
      step: 'escalated';
      at: Date;
      level: number;
      escalatedTo: { role: string; organisation: string };
    }
  | { step: 'acknowledged'; at: Date; by: { userId: string; role: string; organisation: string } };

/** Where a flagged entry's task stands, as the journal shows it beside the entry. */
export interface JournalTaskStatus {
  status: 'open' | 'acknowledged' | 'withdrawn';
  recipient: { role: string; organisation: string };
  flaggedAt: string;
  acknowledged: { at: string; by: { userId: string; role: string; organisation: string } } | null;
  escalated: {
    level: number;
    at: string;
    to: { role: string; organisation: string };
  } | null;
}

/**
 * A task's status from its steps recorded by `asAt` (all of them when absent), so that a
 * journal as at a time shows the task as it stood then (and a reconstruction of what was shown
 * then reproduces it). A task is withdrawn from when its entry's correction was recorded.
 */
export function taskStatusAt(
  task: {
    recipient: { role: string; organisation: string };
    flaggedAt: Date;
    /** When the entry's correction withdrew it, if it did. */
    withdrawnAt: Date | null;
  },
  steps: readonly TaskStepFacts[],
  asAt?: Date,
): JournalTaskStatus {
  const taken = [...steps]
    .filter((step) => asAt === undefined || step.at.getTime() <= asAt.getTime())
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  let acknowledged: JournalTaskStatus['acknowledged'] = null;
  let escalated: JournalTaskStatus['escalated'] = null;
  for (const step of taken) {
    if (step.step === 'acknowledged') {
      acknowledged ??= { at: step.at.toISOString(), by: step.by };
    } else if (!escalated || step.level > escalated.level) {
      escalated = { level: step.level, at: step.at.toISOString(), to: step.escalatedTo };
    }
  }
  const withdrawn =
    task.withdrawnAt !== null &&
    (asAt === undefined || task.withdrawnAt.getTime() <= asAt.getTime());
  const status = withdrawn ? 'withdrawn' : acknowledged ? 'acknowledged' : 'open';
  return {
    status,
    recipient: task.recipient,
    flaggedAt: task.flaggedAt.toISOString(),
    acknowledged,
    escalated,
  };
}
