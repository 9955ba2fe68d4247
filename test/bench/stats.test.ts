/** The benchmark's statistics: the median and the order-statistic interval around it. */
import { describe, expect, it } from 'vitest';
import { median, medianInterval } from '../../bench/lib/stats.mjs';

/** P(Binomial(n, 1/2) <= j). */
function cdf(n: number, j: number): number {
  let term = 0.5 ** n;
  let sum = 0;
  for (let i = 0; i <= j; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

describe('median', () => {
  it('is the middle value, or the mean of the two middle values, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([0.97])).toBe(0.97);
  });
});

describe('medianInterval', () => {
  it('uses the order statistics of the binomial table: 20 rounds give the 6th to the 15th value', () => {
    const xs = Array.from({ length: 20 }, (_, i) => 20 - i); // descending: sorting is its job
    expect(medianInterval(xs)).toEqual([6, 15]);
    expect(medianInterval(Array.from({ length: 10 }, (_, i) => i + 1))).toEqual([2, 9]);
    expect(medianInterval(Array.from({ length: 30 }, (_, i) => i + 1))).toEqual([10, 21]);
  });

  it('is the narrowest such interval with at least 95% coverage', () => {
    for (let n = 6; n <= 60; n++) {
      const xs = Array.from({ length: n }, (_, i) => i + 1);
      const [lo] = medianInterval(xs);
      const k = lo; // values are 1..n, so the kth order statistic is k
      expect(1 - 2 * cdf(n, k - 1), `n=${n} coverage`).toBeGreaterThanOrEqual(0.95);
      // One step narrower falls below 95%.
      expect(1 - 2 * cdf(n, k), `n=${n} narrower`).toBeLessThan(0.95);
    }
  });

  it('returns the whole range below 6 values, and holds the median', () => {
    expect(medianInterval([1.02, 0.95])).toEqual([0.95, 1.02]);
    expect(medianInterval([1])).toEqual([1, 1]);
    const xs = [0.99, 0.93, 1.04, 0.97, 1.01, 0.96, 0.98, 1.0];
    const [lo, hi] = medianInterval(xs);
    expect(lo).toBeLessThanOrEqual(median(xs));
    expect(hi).toBeGreaterThanOrEqual(median(xs));
    expect([lo, hi]).toEqual([0.93, 1.04]);
  });
});
