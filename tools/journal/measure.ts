import {
  alwaysShowReasons,
  buildJournal,
  journalLines,
  mayViewEntry,
  ROUTINE_TYPES,
  VIEW_ROLES,
  type ConsentFacts,
  type PatientAccess,
  type ViewRole,
} from '@carelog/domain';
import {
  ARCHETYPES,
  generateRecord,
  READER_ORGANISATION,
  RECORD_END,
  type Archetype,
} from './record-generator';

/**
 * Measures journal views on generated records (issue #15, item 6) with the pure journal
 * functions, no servers: per archetype and per view role, the lines a reader scans against the
 * raw record and against what that reader may see, and the recall of must-show entries (shown
 * directly, as themselves).
 */
export interface Measurement {
  archetype: Archetype;
  role: ViewRole;
  raw: number;
  visible: number;
  /** Share of the visible entries that are routine types (care visits, readings, wearables, issues). */
  routineShare: number;
  lines: number;
  digestLines: number;
  foldLines: number;
  /** Digest lines that stand for one entry: the aim is none. */
  singleEntryDigests: number;
  mustShow: number;
  mustShowShown: number;
}

const NO_CONSENTS: ConsentFacts = { seals: [], shares: [] };
const accessOf = (role: ViewRole): PatientAccess =>
  role === 'patient'
    ? { allowed: true, basis: 'patient' }
    : role === 'carer'
      ? {
          allowed: true,
          basis: 'carer',
          carerScope: ['social-care', 'medicines', 'patient-contributions'],
        }
      : { allowed: true, basis: 'care-relationship' };
const routine: readonly string[] = ROUTINE_TYPES;

export function measure(archetype: Archetype, seed: number): Measurement[] {
  const record = generateRecord(archetype, seed);
  return VIEW_ROLES.map((role) => {
    const organisation = READER_ORGANISATION[role];
    const viewer = { role, organisation, userId: `${role}-reader` };
    const visible = record.filter((entry) =>
      mayViewEntry(viewer, accessOf(role), entry, NO_CONSENTS),
    );
    const journal = buildJournal(role, { role, organisation }, visible, { now: RECORD_END });
    const lines = journalLines(journal);
    const shownDirectly = new Set(
      lines.flatMap((line) => (line.kind === 'entry' ? [line.entry.eventId] : [])),
    );
    const mustShow = visible.filter(
      (entry) => alwaysShowReasons(entry, { role, organisation }).length > 0,
    );
    return {
      archetype,
      role,
      raw: record.length,
      visible: visible.length,
      routineShare:
        visible.filter((entry) => routine.includes(entry.entryType)).length /
        Math.max(visible.length, 1),
      lines: lines.length,
      digestLines: lines.filter((line) => line.kind === 'digest').length,
      foldLines: lines.filter((line) => line.kind === 'fold').length,
      singleEntryDigests: lines.filter((line) => line.kind === 'digest' && line.count === 1).length,
      mustShow: mustShow.length,
      mustShowShown: mustShow.filter((entry) => shownDirectly.has(entry.eventId)).length,
    };
  });
}

const percent = (value: number) => `${Math.round(value * 100)} %`;

/** The README table: one row per archetype and role. */
export function report(measurements: readonly Measurement[]): string {
  const rows = measurements.map((m) =>
    [
      m.archetype,
      m.role,
      m.raw,
      m.visible,
      percent(m.routineShare),
      m.lines,
      `${m.digestLines} / ${m.foldLines}`,
      percent(1 - m.lines / m.raw),
      percent(1 - m.lines / Math.max(m.visible, 1)),
      `${m.mustShowShown}/${m.mustShow}`,
      m.singleEntryDigests,
    ].join(' | '),
  );
  return [
    '| archetype | view | raw entries | visible | routine | lines | digests / folds | fewer than raw | fewer than visible | must-show shown | 1-entry digests |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

if (require.main === module) {
  const seed = Number(process.env['JOURNAL_SEED'] ?? 15);
  const measurements = ARCHETYPES.flatMap((archetype) => measure(archetype, seed));
  process.stdout.write(`Seed ${seed}; records end ${RECORD_END.toISOString().slice(0, 10)}.\n\n`);
  process.stdout.write(`${report(measurements)}\n`);
  const missedRecall = measurements.filter((m) => m.mustShowShown < m.mustShow);
  const singles = measurements.reduce((sum, m) => sum + m.singleEntryDigests, 0);
  process.stdout.write(
    `\nMust-show recall below 100 %: ${missedRecall.length} views. Digest lines of one entry: ${singles}.\n`,
  );
  if (missedRecall.length > 0 || singles > 0) process.exitCode = 1;
}
