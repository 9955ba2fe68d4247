/**
 * Adapter between the x509-limbo/BetterTLS conformance runner (../shared/conformance/run.mjs)
 * and certgate's validator. Built by `npm run conformance` (tsconfig.conformance.json) to
 * dist-test/conformance/limbo-adapter.js; it imports the built library from dist/, so it measures
 * exactly what the package ships, with default options. No case is treated specially.
 */
import { createVerifier, isClientCertError, type Purpose } from '../../dist/index.js';

export interface LimboCase {
  readonly leafPem: string;
  readonly intermediatesPem: readonly string[];
  readonly rootsPem: readonly string[];
  /** ISO 8601 validation time. */
  readonly at: string;
  /** EKUs to require, e.g. ["serverAuth"]. */
  readonly eku: readonly string[];
  /** Maximum number of intermediates, or null for the default. */
  readonly maxDepth: number | null;
  readonly purpose?: string;
  readonly id?: string;
}

export interface LimboVerdict {
  readonly valid: boolean;
  readonly code?: string;
  readonly message?: string;
}

function purposeOf(eku: readonly string[]): Purpose {
  const first = eku[0];
  if (first === 'clientAuth') return 'client';
  if (first === 'serverAuth') return 'server';
  if (first === undefined) return 'any';
  throw new Error(`unsupported EKU ${first}`);
}

/** The runner's entry point. */
export async function verify(c: LimboCase): Promise<LimboVerdict> {
  let verifier;
  try {
    verifier = createVerifier({
      trustAnchors: [...c.rootsPem],
      purpose: purposeOf(c.eku),
      ...(c.maxDepth === null ? {} : { maxDepth: c.maxDepth }),
    });
  } catch (error) {
    // A trust anchor that cannot be parsed: nothing can be trusted.
    if (isClientCertError(error)) return { valid: false, code: error.code, message: error.message };
    throw error;
  }
  const result = verifier.verify(c.leafPem, [...c.intermediatesPem], new Date(c.at));
  return result.valid ? { valid: true } : { valid: false, code: result.code, message: result.message };
}
