/**
 * "Did you mean" hints for option validation: the closest known name to a misspelled one.
 */

/** Damerau-style edit distance (insert, delete, substitute, swap adjacent), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows = s.length + 1;
  const cols = t.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j < cols; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[s.length] as number[])[t.length] as number;
}

/**
 * The known name closest to `input`, or undefined when none is close enough to be a plausible
 * typo (distance at most a third of the longer name, at least 1; or one contains the other, or
 * they differ only by case and separators).
 */
export function closestName(input: string, known: readonly string[]): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/[-_\s.]/g, '');
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    if (squash(name) === squash(input)) return name;
    const distance = editDistance(input, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  if (bestDistance <= limit) return best;
  // A truncated or extended name ("clockSkew" for "clockSkewSeconds"): the shortest known name
  // that contains the input, or is contained in it.
  const a = squash(input);
  if (a.length < 4) return undefined;
  let contained: string | undefined;
  for (const name of known) {
    const b = squash(name);
    if (b.length >= 4 && (b.includes(a) || a.includes(b)) && (contained === undefined || name.length < contained.length)) contained = name;
  }
  return contained;
}

/** " (did you mean \"x\"?)" or "" — to append to an error message. */
export function didYouMean(input: string, known: readonly string[]): string {
  const hint = closestName(input, known);
  return hint === undefined ? '' : ` (did you mean "${hint}"?)`;
}
