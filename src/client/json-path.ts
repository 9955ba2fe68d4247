/**
 * A deliberately small JSON path: `$`, `.name` and `[index]` only (`$.data.items[0].id`; the
 * leading `$` is optional). No filters, wildcards or script: a path is data, never code, and only
 * own properties are followed, so `__proto__` or `constructor` find nothing that is not in the JSON.
 */

/** A parsed path: property names and array indexes. */
export type JsonPath = readonly (string | number)[];

const MAX_PATH_LENGTH = 1000;
const MAX_INDEX = 1_000_000;

/** Parses a path. @throws Error saying what was expected where. */
export function parseJsonPath(text: string): JsonPath {
  if (typeof text !== 'string' || text.length === 0) throw new Error('expected a JSON path such as $.data.id');
  if (text.length > MAX_PATH_LENGTH) throw new Error(`expected a JSON path of at most ${MAX_PATH_LENGTH} characters`);
  const segments: (string | number)[] = [];
  let i = 0;
  if (text[0] === '$') i = 1;
  else {
    // A bare first name: "data.id" means "$.data.id".
    const name = /^[^.[\]]+/.exec(text)?.[0];
    if (name === undefined) throw new Error(`expected a property name or $ at the start of ${JSON.stringify(text)}`);
    segments.push(name);
    i = name.length;
  }
  while (i < text.length) {
    const char = text[i];
    if (char === '.') {
      const name = /^[^.[\]]+/.exec(text.slice(i + 1))?.[0];
      if (name === undefined) throw new Error(`expected a property name after "." at position ${i + 1} of ${JSON.stringify(text)}`);
      segments.push(name);
      i += 1 + name.length;
    } else if (char === '[') {
      const match = /^\[(\d{1,7})\]/.exec(text.slice(i));
      if (match?.[1] === undefined) throw new Error(`expected [index] with a non-negative integer at position ${i} of ${JSON.stringify(text)} (only .name and [index] are supported)`);
      const index = Number(match[1]);
      if (index > MAX_INDEX) throw new Error(`expected an index of at most ${MAX_INDEX}, found ${index}`);
      segments.push(index);
      i += match[0].length;
    } else {
      throw new Error(`expected "." or "[" at position ${i} of ${JSON.stringify(text)}, found ${JSON.stringify(char)}`);
    }
  }
  return segments;
}

/** Follows a path through parsed JSON. */
export function evaluateJsonPath(value: unknown, path: JsonPath): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false };
      current = current[segment] as unknown;
    } else {
      if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, segment)) return { found: false };
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}
