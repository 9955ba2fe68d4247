/**
 * Path building and validation (RFC 5280 section 6, RFC 4158 path building) for client
 * certificates: `createVerifier()` compiles trust anchors and configured intermediates once;
 * `verifyChain()` is the one-shot form.
 *
 * Path building is a depth-first search from the leaf upwards. At each step every certificate
 * whose subject equals the current certificate's issuer is a candidate (trust anchors first,
 * then candidates whose subjectKeyIdentifier matches the authorityKeyIdentifier, then those valid
 * at the validation time). A candidate is accepted when its key verifies the signature, it passes
 * the per-certificate profile (./profile.ts), it is valid at the validation time, and the
 * path-dependent rules hold for the path below it: pathLenConstraint, name constraints, maximum
 * depth, no repeated (subject, key) pair. Each rule is checked as soon as the part of the path it
 * depends on is known, so a rejected candidate prunes the search. When a trust anchor is accepted
 * the path is valid.
 *
 * The search is bounded: at most `maxSignatureChecks` signature verifications and
 * `maxCandidates` candidate visits per call (PATH_BUILDING_LIMIT beyond), and name-constraint
 * comparisons are counted too. When no path is valid, the error reported is the one of the
 * candidate that got furthest from the leaf (the "closest to valid" path); a problem of the
 * leaf itself is reported before any search.
 */
import { ClientCertError, type ClientCertErrorCode } from '../errors.js';
import { parseCertificates } from '../cert/parse.js';
import type { CertificateModel } from '../cert/types.js';
import { cachedSignatureResult, verifySignature } from './algorithms.js';
import type { Purpose } from './eku.js';
import { checkNamesAgainstConstraints, constrainedNames, type NameCheckBudget } from './name-constraints.js';
import { problem, toError, type Problem } from './problem.js';
import { checkCertificate, type Role } from './profile.js';
import { checkValidity, toSeconds } from './validity.js';

export type { Purpose } from './eku.js';

/** A certificate as a parsed model, or PEM/DER/base64 text or bytes holding one or several. */
export type CertificateInput = CertificateModel | string | Uint8Array;
/** One certificate input or a list of them. */
export type CertificateSource = CertificateInput | readonly CertificateInput[];

/** Validation settings shared by `createVerifier` and `verifyChain`. */
export interface VerifyPolicyOptions {
  /** What the leaf must be good for: `client` (default) needs EKU clientAuth, `server` serverAuth, `any` none. */
  readonly purpose?: Purpose;
  /**
   * Maximum number of intermediate CAs between the leaf and the trust anchor (default 8).
   * Self-issued intermediates (key rollover) do not count, as for pathLenConstraint.
   */
  readonly maxDepth?: number;
  /** Tolerance for clocks, applied to both ends of every validity period (default 0, at most 86400). */
  readonly clockSkewSeconds?: number;
  /** Work bound: signature verifications per call (default 64). */
  readonly maxSignatureChecks?: number;
  /** Work bound: candidate issuers examined per call (default 1024). */
  readonly maxCandidates?: number;
}

/** Options of `createVerifier`. */
export interface VerifierOptions extends VerifyPolicyOptions {
  /** The certificates trusted by their key and name (roots, or an intermediate to trust directly). */
  readonly trustAnchors: CertificateSource;
  /** Intermediates available for every verification, besides those the client presents. */
  readonly intermediates?: CertificateSource;
}

/** Options of `verifyChain`. */
export interface VerifyChainOptions extends VerifierOptions {
  /** The certificate to verify. */
  readonly leaf: CertificateInput;
  /** Validation time (default: now). Truncated to whole seconds. */
  readonly at?: Date;
}

/** A valid path. */
export interface VerifySuccess {
  readonly valid: true;
  /** The path built, leaf first, trust anchor last (a single element when the leaf itself is a trust anchor). */
  readonly chain: readonly CertificateModel[];
}

/** No valid path: the most relevant reason. */
export interface VerifyFailure {
  readonly valid: false;
  readonly code: ClientCertErrorCode;
  readonly message: string;
  readonly error: ClientCertError;
}

/** The outcome of a path validation: `valid: true` with the path, or `valid: false` with the code and reason. */
export type VerifyResult = VerifySuccess | VerifyFailure;

/** A compiled verifier: anchors and intermediates indexed once, reused for every call. */
export interface Verifier {
  /**
   * Verifies `leaf` with the intermediates it was presented with (optional) at `at` (default now).
   * Never throws for certificate problems: an unreadable leaf or intermediate is a CERT_MALFORMED
   * result.
   */
  verify(leaf: CertificateInput, presentedIntermediates?: CertificateSource, at?: Date): VerifyResult;
  /** The trust anchors, parsed. */
  readonly trustAnchors: readonly CertificateModel[];
  /** The configured intermediates, parsed. */
  readonly intermediates: readonly CertificateModel[];
  /** The policy in force, defaults filled in. */
  readonly policy: Readonly<Required<VerifyPolicyOptions>>;
}

/** Intermediate CAs allowed between the leaf and the trust anchor unless `maxDepth` says otherwise. */
export const DEFAULT_MAX_DEPTH = 8;
export const DEFAULT_MAX_SIGNATURE_CHECKS = 64;
export const DEFAULT_MAX_CANDIDATES = 1024;
/** Name-constraint comparisons allowed per call. */
export const MAX_NAME_CHECKS = 1 << 18;
/** Whatever maxDepth says, no path holds more certificates than this (self-issued ones included). */
const HARD_PATH_LIMIT = 40;

/** Thrown inside the search when a work bound is hit. */
class WorkLimit {
  constructor(readonly message: string) {}
}

function isModel(value: unknown): value is CertificateModel {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'tbsDer' in value && 'subject' in value;
}

/** Parses inputs into models (throws CERT_MALFORMED). */
export function toCertificates(source: CertificateSource | undefined): CertificateModel[] {
  if (source === undefined) return [];
  const list: readonly CertificateInput[] = Array.isArray(source) ? (source as readonly CertificateInput[]) : [source as CertificateInput];
  const out: CertificateModel[] = [];
  for (const item of list) {
    if (isModel(item)) out.push(item);
    else if (typeof item === 'string' || item instanceof Uint8Array) out.push(...parseCertificates(item));
    else throw new TypeError(`expected a certificate (CertificateModel, PEM/base64 string or DER bytes), got ${describeValue(item)}`);
  }
  return out;
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : describeValue(value)}`);
  }
  return value;
}

function policyOf(options: VerifyPolicyOptions): Required<VerifyPolicyOptions> {
  const purpose = options.purpose ?? 'client';
  if (purpose !== 'client' && purpose !== 'server' && purpose !== 'any') {
    throw new TypeError(`purpose must be "client", "server" or "any", got ${JSON.stringify(purpose)}`);
  }
  return Object.freeze({
    purpose,
    maxDepth: integerOption('maxDepth', options.maxDepth, DEFAULT_MAX_DEPTH, 0, 255),
    clockSkewSeconds: integerOption('clockSkewSeconds', options.clockSkewSeconds, 0, 0, 86_400),
    maxSignatureChecks: integerOption('maxSignatureChecks', options.maxSignatureChecks, DEFAULT_MAX_SIGNATURE_CHECKS, 1, 100_000),
    maxCandidates: integerOption('maxCandidates', options.maxCandidates, DEFAULT_MAX_CANDIDATES, 1, 1_000_000),
  });
}

function index(certs: readonly CertificateModel[]): Map<string, CertificateModel[]> {
  const map = new Map<string, CertificateModel[]>();
  for (const cert of certs) {
    const key = cert.subject.matchKey;
    const list = map.get(key);
    if (list === undefined) map.set(key, [cert]);
    else if (!list.some((c) => c.sha256 === cert.sha256)) list.push(cert);
  }
  return map;
}

function sameEntity(a: CertificateModel, b: CertificateModel): boolean {
  return a === b || (a.subject.equals(b.subject) && a.spkiSha256Hex === b.spkiSha256Hex);
}

interface Candidate {
  readonly cert: CertificateModel;
  readonly anchor: boolean;
}

/** The reason kept for the report, with how close to valid its path was. */
interface Failure {
  readonly problem: Problem;
  readonly cert: CertificateModel | undefined;
  readonly depth: number | undefined;
  readonly score: number;
}

/** Compiles trust anchors and intermediates for repeated verification. Throws TypeError or CONFIG_INVALID on bad options. */
export function createVerifier(options: VerifierOptions): Verifier {
  if (typeof options !== 'object' || options === null) throw new TypeError('createVerifier: options must be an object with trustAnchors');
  const policy = policyOf(options);
  const load = (name: string, source: CertificateSource | undefined): CertificateModel[] => {
    try {
      return toCertificates(source);
    } catch (error) {
      if (error instanceof ClientCertError) throw new ClientCertError('CONFIG_INVALID', `${name}: ${error.message}`, { cause: error });
      throw error;
    }
  };
  if (options.trustAnchors === undefined) throw new TypeError('trustAnchors is required: the certificates (PEM, DER or parsed) that end a trusted path');
  const anchors = load('trustAnchors', options.trustAnchors);
  if (anchors.length === 0) throw new TypeError('trustAnchors is empty; at least one trust anchor is required');
  const configured = load('intermediates', options.intermediates);

  const anchorIndex = index(anchors);
  const anchorHashes = new Set(anchors.map((a) => a.sha256));
  const configuredIndex = index(configured.filter((c) => !anchorHashes.has(c.sha256)));
  const staticResults = new WeakMap<CertificateModel, Partial<Record<Role, Problem | null>>>();

  const staticCheck = (cert: CertificateModel, role: Role): Problem | undefined => {
    let entry = staticResults.get(cert);
    if (entry === undefined) {
      entry = {};
      staticResults.set(cert, entry);
    }
    let result = entry[role];
    if (result === undefined) {
      result = checkCertificate(cert, role, policy.purpose) ?? null;
      entry[role] = result;
    }
    return result ?? undefined;
  };

  function verify(leafInput: CertificateInput, presentedInput?: CertificateSource, at?: Date): VerifyResult {
    let leaf: CertificateModel;
    let presented: CertificateModel[];
    try {
      // A bundle given as the leaf (a TLS chain as one PEM) is the leaf followed by intermediates.
      const [first, ...rest] = toCertificates(leafInput);
      if (first === undefined) return fail(problem('CERT_MISSING', 'no leaf certificate given'), undefined, undefined);
      leaf = first;
      presented = [...rest, ...toCertificates(presentedInput)];
    } catch (error) {
      if (error instanceof ClientCertError) return failWith(error);
      throw error;
    }
    const when = at ?? new Date();
    if (!(when instanceof Date) || Number.isNaN(when.getTime())) throw new TypeError('at must be a valid Date');
    const atSeconds = toSeconds(when);

    const leafProblem = staticCheck(leaf, 'leaf') ?? checkValidity(leaf, atSeconds, policy.clockSkewSeconds);
    if (leafProblem !== undefined) return fail(leafProblem, leaf, 0);
    // A leaf that is itself a trust anchor (a pinned self-signed client certificate) needs no path.
    if (anchorHashes.has(leaf.sha256)) return { valid: true, chain: Object.freeze([leaf]) };

    const presentedIndex = index(presented.filter((c) => !anchorHashes.has(c.sha256)));
    const budget = { signatures: policy.maxSignatureChecks, candidates: policy.maxCandidates };
    const names: NameCheckBudget = { remaining: MAX_NAME_CHECKS };
    let best: Failure | undefined;
    const record = (p: Problem, cert: CertificateModel | undefined, depth: number | undefined, score: number): void => {
      if (best === undefined || score > best.score) best = { problem: p, cert, depth, score };
    };

    const candidatesFor = (child: CertificateModel): Candidate[] => {
      const key = child.issuer.matchKey;
      const out: Candidate[] = [];
      const seen = new Set<string>();
      const add = (list: CertificateModel[] | undefined, anchor: boolean): void => {
        for (const cert of list ?? []) {
          if (seen.has(cert.sha256) || !cert.subject.equals(child.issuer)) continue;
          seen.add(cert.sha256);
          out.push({ cert, anchor });
        }
      };
      add(anchorIndex.get(key), true);
      add(presentedIndex.get(key), false);
      add(configuredIndex.get(key), false);
      // AKI/SKI only order the candidates: a match first, no information next, a mismatch last.
      // Then certificates valid now before expired ones. Anchors stay first. Sort is stable.
      const aki = child.authorityKeyId;
      const rank = (c: Candidate): number => {
        const ski = c.cert.subjectKeyId;
        const keyRank = aki === undefined || ski === undefined ? 1 : aki === ski ? 0 : 2;
        const timeRank = checkValidity(c.cert, atSeconds, policy.clockSkewSeconds) === undefined ? 0 : 1;
        return (c.anchor ? 0 : 10) + keyRank * 2 + timeRank;
      };
      return out.map((c) => ({ c, r: rank(c) })).sort((a, b) => a.r - b.r).map((x) => x.c);
    };

    const search = (path: CertificateModel[]): CertificateModel[] | undefined => {
      const depth = path.length - 1;
      const child = path[depth] as CertificateModel;
      const candidates = candidatesFor(child);
      if (candidates.length === 0) {
        record(problem('CHAIN_UNTRUSTED', `its issuer "${child.issuer.toString()}" is neither a trust anchor nor among the intermediates`), child, depth, depth + 1);
        return undefined;
      }
      for (const { cert, anchor } of candidates) {
        if (--budget.candidates < 0) throw new WorkLimit(`examined more than ${policy.maxCandidates} candidate issuers`);
        const candDepth = depth + 1;
        if (path.some((p) => sameEntity(p, cert))) {
          const message = cert === child || sameEntity(cert, child)
            ? 'is self-signed but not a trust anchor'
            : `its issuer "${cert.subject.toString()}" already occurs higher in the path (a loop of cross-signed CAs that never reaches a trust anchor)`;
          record(problem('CHAIN_UNTRUSTED', message), child, depth, candDepth);
          continue;
        }
        let known = cachedSignatureResult(child, cert);
        let sigProblem: Problem | undefined;
        if (known === undefined) {
          if (--budget.signatures < 0) throw new WorkLimit(`needed more than ${policy.maxSignatureChecks} signature verifications`);
          sigProblem = verifySignature(child, cert);
          known = sigProblem === undefined;
        } else if (!known) {
          sigProblem = problem('SIGNATURE_INVALID', `signature (${child.signatureAlgorithm.name}) does not verify with the key of its issuer "${cert.subject.toString()}"`);
        }
        if (sigProblem !== undefined) {
          // A candidate whose key did not sign the child is a weaker lead than one that did.
          record(sigProblem, child, depth, candDepth - 0.5);
          continue;
        }
        const role: Role = anchor ? 'anchor' : 'intermediate';
        const own = staticCheck(cert, role) ?? checkValidity(cert, atSeconds, policy.clockSkewSeconds);
        if (own !== undefined) {
          record(anchor ? { ...own, message: `trust anchor: ${own.message}` } : own, cert, candDepth, candDepth);
          continue;
        }
        const pathProblem = checkPathRules(path, cert, anchor);
        if (pathProblem !== undefined) {
          record(pathProblem.problem, pathProblem.cert, pathProblem.depth, candDepth);
          continue;
        }
        if (anchor) return [...path, cert];
        const found = search([...path, cert]);
        if (found !== undefined) return found;
      }
      return undefined;
    };

    /** Rules that depend on the path below `cert` (which would sit at index path.length). */
    const checkPathRules = (path: CertificateModel[], cert: CertificateModel, anchor: boolean): { problem: Problem; cert: CertificateModel; depth: number } | undefined => {
      const depth = path.length;
      // Intermediates below cert, not counting self-issued ones (RFC 5280 6.1.4 (l)).
      let below = 0;
      for (let i = 1; i < path.length; i++) if (!(path[i] as CertificateModel).isSelfIssued) below++;
      const pathLen = cert.basicConstraints?.pathLen;
      if (pathLen !== undefined && below > pathLen) {
        return { problem: problem('BASIC_CONSTRAINTS_VIOLATED', `pathLenConstraint is ${pathLen} but ${below} intermediate CA certificate${below === 1 ? '' : 's'} would follow it`), cert, depth };
      }
      if (!anchor) {
        const intermediates = below + (cert.isSelfIssued ? 0 : 1);
        if (intermediates > policy.maxDepth || depth + 1 >= HARD_PATH_LIMIT) {
          return { problem: problem('CHAIN_TOO_DEEP', `the path would need more than ${policy.maxDepth} intermediate certificate${policy.maxDepth === 1 ? '' : 's'} (maxDepth)`), cert, depth };
        }
      }
      const nc = cert.nameConstraints;
      if (nc !== undefined) {
        for (let i = 0; i < path.length; i++) {
          const below = path[i] as CertificateModel;
          // Self-issued intermediates are exempt (RFC 5280 6.1.4 (b)); the leaf never is.
          if (i > 0 && below.isSelfIssued) continue;
          const violation = checkNamesAgainstConstraints(nc, constrainedNames(below), names);
          if (violation !== undefined) {
            if (violation.code === 'PATH_BUILDING_LIMIT') throw new WorkLimit(violation.message);
            return { problem: { ...violation, message: `${violation.message}, set by the name constraints of "${cert.subject.toString()}"` }, cert: below, depth: i };
          }
        }
      }
      return undefined;
    };

    try {
      const chain = search([leaf]);
      if (chain !== undefined) return { valid: true, chain: Object.freeze(chain) };
    } catch (error) {
      if (error instanceof WorkLimit) {
        return fail(problem('PATH_BUILDING_LIMIT', `path building stopped without finding a valid path: ${error.message} (the work bound protects against hostile certificate sets)`), leaf, 0);
      }
      throw error;
    }
    const failure = best as Failure | undefined;
    if (failure === undefined) return fail(problem('CHAIN_UNTRUSTED', 'no path to a trust anchor'), leaf, 0);
    return fail(failure.problem, failure.cert, failure.depth);
  }

  return Object.freeze({
    verify,
    trustAnchors: Object.freeze(anchors),
    intermediates: Object.freeze(configured),
    policy,
  });
}

function fail(p: Problem, cert: CertificateModel | undefined, depth: number | undefined): VerifyFailure {
  return failWith(toError(p, cert, depth));
}

function failWith(error: ClientCertError): VerifyFailure {
  return { valid: false, code: error.code, message: error.message, error };
}

/**
 * Verifies one leaf: builds a path through `intermediates` to one of `trustAnchors` and validates
 * it at `at` for `purpose`. Equivalent to `createVerifier(options).verify(leaf, [], at)`; use
 * `createVerifier` when verifying many leaves against the same anchors.
 */
export function verifyChain(options: VerifyChainOptions): VerifyResult {
  return createVerifier(options).verify(options.leaf, undefined, options.at);
}
