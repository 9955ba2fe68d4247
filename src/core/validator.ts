/**
 * The seam between the gate and path validation: the gate asks "does this leaf, with these
 * untrusted candidates, chain to one of my anchors at this time, for this purpose?".
 */
import type { CertificateModel } from '../cert/types.js';
import type { ClientCertError } from '../errors.js';
import { createVerifier } from '../verify/chain.js';
import type { Purpose } from './types.js';

/** A validator's answer: the validated path, or the ClientCertError that rejects it. */
export type ChainValidation =
  | { readonly ok: true; /** leaf first, trust anchor last */ readonly path: readonly CertificateModel[] }
  | { readonly ok: false; readonly error: ClientCertError };

/** Validates a leaf with the candidate intermediates it was presented with (an extension point of the gate). */
export interface ChainValidator {
  /** Builds and checks a path from `leaf` to a trust anchor at time `at`. */
  validate(leaf: CertificateModel, candidates: readonly CertificateModel[], at: Date): ChainValidation;
}

/** The gate's compiled trust settings a validator is built from. */
export interface ChainValidatorConfig {
  readonly trustAnchors: readonly CertificateModel[];
  readonly intermediates: readonly CertificateModel[];
  readonly purpose: Purpose;
  readonly maxDepth: number;
  readonly clockSkewSeconds: number;
}

/** Builds a validator once per gate from its trust settings. */
export type ChainValidatorFactory = (config: ChainValidatorConfig) => ChainValidator;

/** The path validator of src/verify (RFC 5280 section 6 with certgate's profile), compiled once per gate. */
export const createPathValidator: ChainValidatorFactory = (config) => {
  const verifier = createVerifier({
    trustAnchors: config.trustAnchors,
    intermediates: config.intermediates,
    purpose: config.purpose,
    maxDepth: config.maxDepth,
    clockSkewSeconds: config.clockSkewSeconds,
  });
  return {
    validate(leaf, candidates, at) {
      const result = verifier.verify(leaf, candidates, at);
      return result.valid ? { ok: true, path: result.chain } : { ok: false, error: result.error };
    },
  };
};
