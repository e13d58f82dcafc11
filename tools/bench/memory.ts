import { readFileSync } from 'node:fs';

/** VmHWM (peak resident set) of a process in MiB, or undefined once it has gone. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the highest VmHWM seen per named process, sampling every second, so that the peak of
 * a process that has already exited (the rebuild) is still known.
 */
export class PeakMemory {
  private readonly pids = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  watch(name: string, pid: number | undefined): void {
    if (pid !== undefined) this.pids.set(name, pid);
    this.sample();
  }

  sample(): void {
    for (const [name, pid] of this.pids) {
      const peak = peakRssMiB(pid);
      if (peak !== undefined) this.peaks.set(name, Math.max(peak, this.peaks.get(name) ?? 0));
    }
  }

  stop(): Map<string, number> {
    this.sample();
    clearInterval(this.timer);
    return new Map(this.peaks);
  }
}
