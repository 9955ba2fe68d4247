// Statistics for the benchmark's reports.

/**
 * A distribution-free 95% confidence interval for the median of `xs` (order statistics: the
 * narrowest [x(k), x(n-k+1)] whose binomial coverage is at least 95%). With 8 rounds it is the
 * whole range (99.2%); with 20, the 6th to the 15th value. Below 6 values no interval covers
 * 95% and the whole range is returned (it covers 1 - 2^(1-n): 94% for 5, 50% for 2).
 */
export function medianInterval(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  // P(Binomial(n, 1/2) <= j), summed up to the largest k with P(B <= k - 1) <= 2.5%.
  let k = 0;
  let cumulative = 0;
  let term = 0.5 ** n;
  for (let j = 0; j < n; j++) {
    cumulative += term;
    if (cumulative > 0.025) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  const lo = Math.max(k, 1);
  return [s[lo - 1], s[n - lo]];
}

/** The median of a non-empty list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
