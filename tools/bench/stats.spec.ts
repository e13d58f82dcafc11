import { percentile, steadyRate, summarise } from './stats';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises unsorted samples', () => {
    expect(summarise([5, 1, 3, 2, 4])).toEqual({ count: 5, p50: 3, p99: 5, max: 5, mean: 3 });
  });

  it('measures the rate from first progress to done, leaving start-up out', () => {
    const samples = [
      { at: 0, done: 0 },
      { at: 5000, done: 0 },
      { at: 6000, done: 1000 },
      { at: 8000, done: 11_000 },
      { at: 9000, done: 11_000 },
    ];
    expect(steadyRate(samples, 11_000)).toBe(5000);
    expect(steadyRate(samples, 20_000)).toBeNaN();
  });
});
