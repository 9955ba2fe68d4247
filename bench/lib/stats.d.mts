/** The median of a non-empty list of numbers. */
export function median(xs: readonly number[]): number;
/** A distribution-free 95% confidence interval for the median of `xs` (see stats.mjs). */
export function medianInterval(xs: readonly number[]): [number, number];
