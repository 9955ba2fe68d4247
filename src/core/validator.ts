/**
 * The seam between the gate and path validation: the gate asks "does this leaf, with these
 * untrusted candidates, chain to one of my anchors at this time, for this purpose?".
 */
import type { CertificateModel } from '../cert/types.js';
import type { ClientCertError } from '../errors.js';
import type { Purpose } from './types.js';

export type ChainValidation =
  | { readonly ok: true; /** leaf first, trust anchor last */ readonly path: readonly CertificateModel[] }
  | { readonly ok: false; readonly error: ClientCertError };

export interface ChainValidator {
  validate(leaf: CertificateModel, candidates: readonly CertificateModel[], at: Date): ChainValidation;
}

export interface ChainValidatorConfig {
  readonly trustAnchors: readonly CertificateModel[];
  readonly intermediates: readonly CertificateModel[];
  readonly purpose: Purpose;
  readonly maxDepth: number;
  readonly clockSkewSeconds: number;
}

export type ChainValidatorFactory = (config: ChainValidatorConfig) => ChainValidator;
