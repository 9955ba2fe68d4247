/**
 * Shared machinery of the property/fuzz tests (test/fuzz): run counts and seeds from the
 * environment, and the one invariant every parser must keep.
 *
 * Invariant: for any input a parser returns a value or throws a ClientCertError whose code is one
 * of the codes it documents; never another exception, and never more than a bounded time.
 *
 * `npm test` runs a fast, seeded slice (DEFAULT_RUNS per property). `npm run fuzz` (scripts/fuzz.mjs)
 * sets FUZZ_RUNS (e.g. 100000), FUZZ_SEED (printed) and FUZZ_MAX_MS, and a failure prints the
 * seed and path that reproduce it: `npm run fuzz -- --seed S --path P --only NAME`.
 */
import fc from 'fast-check';
import { isClientCertError, type ClientCertErrorCode } from '../../src/errors.js';

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, found ${JSON.stringify(raw)}`);
  return value;
}

/** True under `npm run fuzz`. */
export const FUZZ_MODE = process.env['FUZZ_RUNS'] !== undefined || process.env['NUM_RUNS'] !== undefined;

/** Runs per property: FUZZ_RUNS (or NUM_RUNS), else `fast` (the npm test slice). */
export function runs(fast: number): number {
  return envInt('FUZZ_RUNS') ?? envInt('NUM_RUNS') ?? fast;
}

/** The seed: FUZZ_SEED, else a fixed one so that `npm test` is deterministic. */
export const SEED = envInt('FUZZ_SEED') ?? 9440;

/**
 * Per-input bound in ms of CPU time (user + system of this process, so that waiting for a busy
 * machine's cores does not count). A denial-of-service guard, not a speed target: the fuzz run
 * uses 250 ms; inside `npm test` (two shared cores, several suites at once) the bound is 2 s.
 */
export const MAX_MS = envInt('FUZZ_MAX_MS') ?? (FUZZ_MODE ? 250 : 2000);

/** fast-check parameters for one property. */
export function params<T>(fast: number): fc.Parameters<T> {
  const path = process.env['FUZZ_PATH'];
  return {
    numRuns: runs(fast),
    seed: SEED,
    ...(path === undefined || path === '' ? {} : { path }),
  };
}

/** A short description of an input for failure messages. */
function describeInput(input: unknown): string {
  if (input instanceof Uint8Array) return `${input.length} bytes: ${Buffer.from(input.subarray(0, 48)).toString('hex')}${input.length > 48 ? '...' : ''}`;
  if (typeof input === 'string') return `${input.length} chars: ${JSON.stringify(input.slice(0, 80))}${input.length > 80 ? '...' : ''}`;
  try {
    const text = JSON.stringify(input);
    return text === undefined ? String(input) : text.slice(0, 200);
  } catch {
    return String(input);
  }
}

/** What one call did: 'ok', or the ClientCertError code. */
export type Outcome = 'ok' | ClientCertErrorCode;

/**
 * Calls `fn(input)` and checks the invariant: a result, or a ClientCertError with one of `codes`.
 * Anything else (TypeError, RangeError, a stack overflow, another code) fails with the input.
 * An input costing more than MAX_MS of CPU is re-run once (a scheduler hiccup on a shared machine is not a
 * blow-up); slow twice fails.
 */
export function outcome<I>(fn: (input: I) => unknown, input: I, codes: readonly ClientCertErrorCode[]): Outcome {
  const once = (): { result: Outcome; ms: number } => {
    const start = process.cpuUsage();
    let result: Outcome;
    try {
      fn(input);
      result = 'ok';
    } catch (error) {
      if (!isClientCertError(error)) {
        const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new Error(`not a ClientCertError (${what}) for input ${describeInput(input)}`, { cause: error });
      }
      if (!codes.includes(error.code)) {
        throw new Error(`unexpected code ${error.code} (expected one of ${codes.join(', ')}): ${error.message}; input ${describeInput(input)}`);
      }
      result = error.code;
    }
    const used = process.cpuUsage(start);
    return { result, ms: (used.user + used.system) / 1000 };
  };
  const first = once();
  if (first.ms <= MAX_MS) return first.result;
  const second = once();
  if (second.ms > MAX_MS) {
    throw new Error(`took ${first.ms.toFixed(0)} ms and ${second.ms.toFixed(0)} ms of CPU, over the bound of ${MAX_MS} ms, for input ${describeInput(input)}`);
  }
  return second.result;
}

/** Counts outcomes by code across a property run (printed under `npm run fuzz`). */
export class OutcomeTally {
  readonly #counts = new Map<string, number>();
  constructor(readonly name: string) {}
  add(result: Outcome): void {
    this.#counts.set(result, (this.#counts.get(result) ?? 0) + 1);
  }
  get(result: Outcome): number {
    return this.#counts.get(result) ?? 0;
  }
  get total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }
  /** Prints the tally when fuzzing (quiet inside npm test). */
  report(): void {
    if (!FUZZ_MODE) return;
    const parts = [...this.#counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
    console.log(`[fuzz] ${this.name}: ${this.total} inputs (seed ${SEED}): ${parts.join(', ')}`);
  }
}
