import { describe, expect, it } from 'vitest';
import { pairedRatio, quantile, spread } from './runner.js';

describe('bench statistics', () => {
  it('quantile answers an observed value by nearest rank, at sub-millisecond resolution', () => {
    // 1.00 … 1.99 ms, given in descending order: quantile sorts.
    const latencies = Array.from({ length: 100 }, (_, index) => 1.99 - index / 100);
    expect(quantile(latencies, 0.5)).toBeCloseTo(1.49, 10);
    expect(quantile(latencies, 0.99)).toBeCloseTo(1.98, 10);
    expect(quantile(latencies, 1)).toBeCloseTo(1.99, 10);
    expect(quantile(latencies, 0)).toBeCloseTo(1.0, 10);
    expect(quantile([2.5], 0.99)).toBe(2.5);
  });

  it('quantile of no samples is NaN, so an empty run cannot pass for a fast one', () => {
    expect(quantile([], 0.99)).toBeNaN();
  });

  it('spread gives the median (mean of the middle two when even) with min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('pairedRatio divides within each round before taking the median', () => {
    // Round by round 2, 3 and 1: median 2. The ratio of each side's median would be 9 / 9 = 1.
    expect(pairedRatio([2, 30, 9], [1, 10, 9])).toEqual({ median: 2, min: 1, max: 3 });
  });
});
