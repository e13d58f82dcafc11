import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat's CPU times (100 on every Linux Node runs on). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, or undefined once it has gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from after its closing bracket.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return Number.isFinite(user + system) ? (user + system) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The share of one core each process used over `seconds` (0.01 = 1 %), from its CPU time at
 * the start and the end of the window; a process that exits in the window fails the measure.
 */
export async function idleCpu(
  processes: ReadonlyMap<string, number>,
  seconds: number,
): Promise<Record<string, number>> {
  const before = new Map<string, number>();
  for (const [name, pid] of processes) {
    const used = cpuSeconds(pid);
    if (used === undefined) throw new Error(`${name} (pid ${pid}) is not running`);
    before.set(name, used);
  }
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const shares: Record<string, number> = {};
  for (const [name, pid] of processes) {
    const used = cpuSeconds(pid);
    if (used === undefined) throw new Error(`${name} (pid ${pid}) exited while idle`);
    shares[name] = (used - (before.get(name) ?? used)) / elapsed;
  }
  return shares;
}
