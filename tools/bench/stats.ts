/** Latency summaries for the benchmark: nearest-rank percentiles over every sample taken. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** The nearest-rank percentile (p in 0..100) of already sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function summarise(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
  };
}

/**
 * Steady-state throughput from progress samples (time in ms, items done): from the first
 * sample that shows progress to the first that shows all done, so that start-up (process
 * start, group join) is reported apart from the rate itself.
 */
export function steadyRate(
  samples: ReadonlyArray<{ at: number; done: number }>,
  total: number,
): number {
  const first = samples.find((sample) => sample.done > 0);
  const last = samples.find((sample) => sample.done >= total);
  if (!first || !last || last.at <= first.at) return Number.NaN;
  return (last.done - first.done) / ((last.at - first.at) / 1000);
}
