/**
 * Identities: the SAP "service key" model. A validated certificate maps to a named identity with
 * roles when it matches that identity's `match` (the same fields as a pin; a list of matches means
 * any of them, e.g. the old and the new certificate during a rotation).
 *
 * The first identity in list order whose match holds wins; names are unique.
 */
import { ClientCertError } from '../errors.js';
import type { CertificateModel } from '../cert/types.js';
import { didYouMean } from '../util/did-you-mean.js';
import {
  compileMatch,
  matchList,
  MAX_PINS,
  parseVersionedFile,
  windowBoundaries,
  type CompiledMatch,
  type ListMatch,
  type PinFields,
} from './pins.js';

/** An identity as configured inline or in an identities file. */
export interface IdentityInput {
  /** Unique name, e.g. "billing-service". */
  readonly name: string;
  /** Roles granted (checked by `requireRole`). Default none. */
  readonly roles?: readonly string[];
  /** Pin fields the certificate must match; an array means any one of them. */
  readonly match: PinFields | readonly PinFields[];
}

/** A compiled identity. Frozen. */
export interface Identity {
  readonly name: string;
  readonly roles: readonly string[];
  readonly matches: readonly CompiledMatch[];
}

const IDENTITY_KEYS = ['name', 'roles', 'match'] as const;
const NAME_PATTERN = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,200}$/;

function configError(where: string, message: string): ClientCertError {
  return new ClientCertError('CONFIG_INVALID', `${where}: ${message}`);
}

function checkName(where: string, key: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw configError(where, `"${key}" must be a non-empty string`);
  const trimmed = value.trim();
  if (!NAME_PATTERN.test(trimmed)) throw configError(where, `"${key}" must be 1 to 200 printable characters`);
  return trimmed;
}

/** Compiles one identity. @throws ClientCertError CONFIG_INVALID. */
export function compileIdentity(input: unknown, where = 'identity'): Identity {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw configError(where, 'expected an identity object { name, roles, match }');
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(IDENTITY_KEYS as readonly string[]).includes(key)) {
      throw configError(where, `unknown field "${key}"${didYouMean(key, IDENTITY_KEYS)}; allowed: ${IDENTITY_KEYS.join(', ')}`);
    }
  }
  const name = checkName(where, 'name', record['name']);
  const at = `${where} "${name}"`;
  const rolesInput = record['roles'] ?? [];
  if (!Array.isArray(rolesInput)) throw configError(at, '"roles" must be an array of strings');
  const roles = [...new Set(rolesInput.map((role, i) => checkName(at, `roles[${i}]`, role)))];
  const matchInput = record['match'];
  if (matchInput === undefined) throw configError(at, '"match" is required: the pin fields a certificate must match to be this identity');
  const list = Array.isArray(matchInput) ? matchInput : [matchInput];
  if (list.length === 0) throw configError(at, '"match" is an empty array; the identity could never match');
  const matches = list.map((m, i) => compileMatch(m, Array.isArray(matchInput) ? `${at} match[${i}]` : `${at} match`));
  return Object.freeze({ name, roles: Object.freeze(roles), matches: Object.freeze(matches) });
}

/** Compiles a list of identities; names must be unique. @throws ClientCertError CONFIG_INVALID. */
export function compileIdentities(inputs: unknown, where = 'identities'): Identity[] {
  if (!Array.isArray(inputs)) throw configError(where, 'expected an array of identities');
  if (inputs.length > MAX_PINS) throw configError(where, `${inputs.length} identities exceed the limit of ${MAX_PINS}`);
  const out = inputs.map((input, i) => compileIdentity(input, `${where}[${i}]`));
  const seen = new Set<string>();
  for (const identity of out) {
    if (seen.has(identity.name)) throw configError(where, `identity name "${identity.name}" is used twice; names must be unique`);
    seen.add(identity.name);
  }
  return out;
}

/** An immutable set of identities. */
export class IdentitySet {
  readonly identities: readonly Identity[];
  /** Times (ms) at which some match window opens or closes, ascending. */
  readonly boundaries: readonly number[];

  constructor(identities: readonly Identity[]) {
    this.identities = Object.freeze([...identities]);
    this.boundaries = Object.freeze(windowBoundaries(identities.flatMap((i) => i.matches)));
  }

  /** The number of identities. */
  get size(): number {
    return this.identities.length;
  }

  /** The identity a (validated) certificate maps to at `at` (ms since epoch). */
  match(cert: CertificateModel, at: number): ListMatch<Identity> {
    return matchList(this.identities, (i) => i.matches, cert, at, (i) => `identity "${i.name}"`);
  }
}

/**
 * Parses an identities file: `{ "version": 1, "identities": [ { "name", "roles", "match" }, ... ] }`.
 *
 * @throws ClientCertError CONFIG_INVALID.
 */
export function parseIdentitiesFile(text: string, source = 'identities file'): Identity[] {
  return compileIdentities(parseVersionedFile(text, 'identities', source), `${source}: identities`);
}
