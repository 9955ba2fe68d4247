/**
 * Name constraints (RFC 5280 4.2.1.10 and 6.1.3 b/c, 6.1.4 g): syntax checks for the names and the
 * constraint bases, and matching of every name of a certificate against a CA's permitted and
 * excluded subtrees.
 *
 * Decisions (see docs/verify.md):
 * - Forms evaluated: dNSName, rfc822Name (SAN and subject emailAddress), iPAddress (with mask),
 *   directoryName (subject DN and SAN directoryNames), URI (by host).
 * - A constraint of another form (otherName, x400Address, ediPartyName, registeredID) cannot be
 *   evaluated: when a certificate below carries a name of that form, the path is rejected; when it
 *   does not, the constraint is irrelevant (RFC 5280 only constrains names that are present).
 * - The subject CN is not a host name for a client-certificate gate and is not checked as one.
 * - A wildcard dNSName SAN (`*.example.com`) stands for every name one label below
 *   `example.com`: it is permitted only when that whole set is inside a permitted subtree, and
 *   rejected when the set meets an excluded subtree (so `*.example.com` is not allowed past an
 *   exclusion of `bar.example.com`).
 * - Malformed bases (`*.example.com`, `.example.com` as a dNSName, `a@b@c`, a non-contiguous IP
 *   mask) make the constraining certificate malformed; malformed names (`.example.com`,
 *   `foo_bar.example.com`, `a@b@c`) make the named certificate malformed.
 */
import { prepareString } from '../cert/name.js';
import { STRING_TAGS } from '../cert/strings.js';
import type { CertificateModel, DistinguishedName, GeneralName, NameAttribute, NameConstraints } from '../cert/types.js';
import { problem, type Problem } from './problem.js';

/** Counts name comparisons so that many names times many constraints cannot take long. */
export interface NameCheckBudget {
  remaining: number;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A host name in preferred syntax (LDH labels, 1-63 octets, at most 253 in all, no trailing dot). */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => LABEL.test(label));
}

/** A dNSName as it may appear in a SAN: a host name, optionally with a leftmost `*` label. */
export function isValidDnsName(name: string): boolean {
  if (name.startsWith('*.')) return isHostName(name.slice(2));
  return isHostName(name);
}

/** A dNSName constraint base: empty (every name) or a host name; no wildcard, no leading dot. */
export function isValidDnsConstraint(base: string): boolean {
  return base.length === 0 || isHostName(base);
}

// Local part: printable ASCII without space, "@", quotes or brackets (quoted local parts are not
// supported and so never match a constraint).
const LOCAL_PART = /^[!#-'*+\-/-9=?A-Z^-~.]+$/;

/** An rfc822Name mailbox `local@host`. */
export function isValidEmail(address: string): boolean {
  const at = address.indexOf('@');
  if (at <= 0 || at !== address.lastIndexOf('@')) return false;
  return LOCAL_PART.test(address.slice(0, at)) && isHostName(address.slice(at + 1));
}

/** An rfc822Name constraint base: a mailbox, a host, or `.domain` (every host below it). */
export function isValidEmailConstraint(base: string): boolean {
  if (base.includes('@')) return isValidEmail(base);
  return isHostName(base.startsWith('.') ? base.slice(1) : base);
}

/** A URI constraint base: a host or `.domain`. */
export function isValidUriConstraint(base: string): boolean {
  return isHostName(base.startsWith('.') ? base.slice(1) : base);
}

/** An iPAddress constraint: address and mask of 4+4 or 16+16 octets, the mask a prefix of ones. */
export function isValidIpConstraint(value: Uint8Array): boolean {
  if (value.length !== 8 && value.length !== 32) return false;
  const half = value.length / 2;
  let seenZero = false;
  for (let i = half; i < value.length; i++) {
    const byte = value[i] as number;
    for (let bit = 7; bit >= 0; bit--) {
      const one = ((byte >> bit) & 1) === 1;
      if (one && seenZero) return false;
      if (!one) seenZero = true;
    }
  }
  return true;
}

/** The host of a URI with an authority (`scheme://[userinfo@]host[:port]...`), lowercased; undefined otherwise. */
export function uriHost(uri: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(uri);
  if (m === null) return undefined;
  let authority = m[1] as string;
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) return undefined; // an IP literal is not a host name
  const colon = authority.indexOf(':');
  const host = (colon >= 0 ? authority.slice(0, colon) : authority).toLowerCase();
  return isHostName(host) ? host : undefined;
}

function describeName(n: GeneralName): string {
  switch (n.type) {
    case 'dns':
      return `dNSName "${n.value}"`;
    case 'email':
      return `rfc822Name "${n.value}"`;
    case 'uri':
      return `URI "${n.value}"`;
    case 'ip':
      return `iPAddress ${ipText(n.value)}`;
    case 'dn':
      return `directoryName "${n.value.toString()}"`;
    case 'registeredId':
      return `registeredID ${n.value}`;
    case 'other':
      return `${OTHER_FORMS[n.tag] ?? `[${n.tag}]`} name`;
  }
}

const OTHER_FORMS: Record<number, string> = { 0: 'otherName', 3: 'x400Address', 5: 'ediPartyName' };

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4 || bytes.length === 8) {
    const addr = Array.from(bytes.subarray(0, 4)).join('.');
    return bytes.length === 8 ? `${addr}/${Array.from(bytes.subarray(4)).join('.')}` : addr;
  }
  const hex = (b: Uint8Array): string => Array.from({ length: b.length / 2 }, (_, i) => (((b[2 * i] as number) << 8) | (b[2 * i + 1] as number)).toString(16)).join(':');
  return bytes.length === 32 ? `${hex(bytes.subarray(0, 16))}/${hex(bytes.subarray(16))}` : hex(bytes);
}

/** Syntax of the SAN entries of one certificate (dNSName, rfc822Name). Returns the first problem. */
export function checkSubjectAltNameSyntax(names: readonly GeneralName[]): Problem | undefined {
  for (const n of names) {
    if (n.type === 'dns' && !isValidDnsName(n.value)) {
      return problem('CERT_MALFORMED', `subjectAltName ${describeName(n)} is not a valid host name (RFC 5280 4.2.1.6: preferred name syntax)`);
    }
    if (n.type === 'email' && !isValidEmail(n.value)) {
      return problem('CERT_MALFORMED', `subjectAltName ${describeName(n)} is not a valid mailbox (RFC 5280 4.2.1.6)`);
    }
    if (n.type === 'ip' && n.value.length !== 4 && n.value.length !== 16) {
      return problem('CERT_MALFORMED', `subjectAltName iPAddress has ${n.value.length} octets; expected 4 or 16`);
    }
  }
  return undefined;
}

/** Structural validity of a nameConstraints extension and of each base in it. */
export function checkNameConstraintsSyntax(nc: NameConstraints): Problem | undefined {
  if ((nc.permitted ?? []).length === 0 && (nc.excluded ?? []).length === 0) {
    return problem('CERT_MALFORMED', 'nameConstraints has neither permittedSubtrees nor excludedSubtrees (RFC 5280 4.2.1.10)');
  }
  if (nc.nonDefaultBounds) {
    return problem('CERT_MALFORMED', 'nameConstraints uses a minimum other than 0 or a maximum, which RFC 5280 4.2.1.10 forbids');
  }
  for (const [kind, bases] of [['permitted', nc.permitted], ['excluded', nc.excluded]] as const) {
    for (const base of bases ?? []) {
      const bad =
        (base.type === 'dns' && !isValidDnsConstraint(base.value)) ||
        (base.type === 'email' && !isValidEmailConstraint(base.value)) ||
        (base.type === 'uri' && !isValidUriConstraint(base.value)) ||
        (base.type === 'ip' && !isValidIpConstraint(base.value));
      if (bad) {
        return problem('CERT_MALFORMED', `${kind} name constraint ${describeName(base)} is malformed (RFC 5280 4.2.1.10)`);
      }
    }
  }
  return undefined;
}

/**
 * Every name of `cert` that name constraints apply to: its SAN entries, its subject DN (when not
 * empty) and the emailAddress attributes of its subject (RFC 5280 4.2.1.10).
 */
export function constrainedNames(cert: CertificateModel): GeneralName[] {
  const names: GeneralName[] = [...(cert.subjectAltNames ?? [])];
  if (!cert.subject.isEmpty) {
    names.push({ type: 'dn', value: cert.subject });
    for (const email of cert.subject.getAll('emailAddress')) names.push({ type: 'email', value: email });
  }
  return names;
}

function dnsWithin(name: string, base: string): boolean {
  return base.length === 0 || name === base || name.endsWith(`.${base}`);
}

/** Is every name the dNSName `name` stands for inside the subtree `base`? */
function dnsPermittedBy(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  return n.startsWith('*.') ? dnsWithin(n.slice(2), b) : dnsWithin(n, b);
}

/** Does some name the dNSName `name` stands for fall inside the subtree `base`? */
function dnsExcludedBy(name: string, base: string): boolean {
  const n = name.toLowerCase();
  const b = base.toLowerCase();
  if (!n.startsWith('*.')) return dnsWithin(n, b);
  const parent = n.slice(2);
  // The whole set is inside, or the excluded subtree lies below the wildcard's parent (so at
  // least its apex label is one the wildcard covers; deeper bases are rejected too, fail closed).
  return dnsWithin(parent, b) || b.endsWith(`.${parent}`);
}

function emailWithin(address: string, base: string): boolean {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const host = address.slice(at + 1).toLowerCase();
  const baseAt = base.lastIndexOf('@');
  if (baseAt >= 0) {
    // A mailbox: the local part is compared exactly (RFC 5321), the host case-insensitively.
    return local === base.slice(0, baseAt) && host === base.slice(baseAt + 1).toLowerCase();
  }
  const b = base.toLowerCase();
  return b.startsWith('.') ? host.endsWith(b) : host === b;
}

function ipWithin(address: Uint8Array, base: Uint8Array): boolean {
  if (base.length !== address.length * 2) return false;
  for (let i = 0; i < address.length; i++) {
    const mask = base[address.length + i] as number;
    if (((address[i] as number) & mask) !== ((base[i] as number) & mask)) return false;
  }
  return true;
}

function uriWithin(uri: string, base: string): boolean {
  const host = uriHost(uri);
  if (host === undefined) return false;
  const b = base.toLowerCase();
  return b.startsWith('.') ? host.endsWith(b) : host === b;
}

function attributeKey(a: NameAttribute): string {
  return `${a.oid}${STRING_TAGS.has(a.tag) ? `=${prepareString(a.value)}` : a.value}`;
}

function rdnEqual(a: ReadonlyArray<NameAttribute>, b: ReadonlyArray<NameAttribute>): boolean {
  if (a.length !== b.length) return false;
  const left = a.map(attributeKey).sort();
  const right = b.map(attributeKey).sort();
  return left.every((k, i) => k === right[i]);
}

/** Is `name` in the subtree of `base` (base's RDNs are a prefix of name's, RFC 5280 7.1 comparison)? */
export function dnWithin(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every((rdn, i) => rdnEqual(rdn, name.rdns[i] as ReadonlyArray<NameAttribute>));
}

type Matcher = (name: GeneralName, base: GeneralName) => boolean;

const PERMITTED: Matcher = (n, b) => {
  if (n.type === 'dns' && b.type === 'dns') return dnsPermittedBy(n.value, b.value);
  return within(n, b);
};

const EXCLUDED: Matcher = (n, b) => {
  if (n.type === 'dns' && b.type === 'dns') return dnsExcludedBy(n.value, b.value);
  return within(n, b);
};

function within(n: GeneralName, b: GeneralName): boolean {
  if (n.type === 'email' && b.type === 'email') return emailWithin(n.value, b.value);
  if (n.type === 'ip' && b.type === 'ip') return ipWithin(n.value, b.value);
  if (n.type === 'uri' && b.type === 'uri') return uriWithin(n.value, b.value);
  if (n.type === 'dn' && b.type === 'dn') return dnWithin(n.value, b.value);
  return false;
}

/** Name forms this module can evaluate. */
function evaluable(n: GeneralName): boolean {
  return n.type === 'dns' || n.type === 'email' || n.type === 'ip' || n.type === 'uri' || n.type === 'dn';
}

function wellFormed(n: GeneralName): boolean {
  if (n.type === 'email') return isValidEmail(n.value);
  if (n.type === 'dns') return isValidDnsName(n.value);
  if (n.type === 'uri') return uriHost(n.value) !== undefined;
  return true;
}

function sameForm(n: GeneralName, b: GeneralName): boolean {
  if (n.type !== b.type) return false;
  return n.type !== 'other' || (b.type === 'other' && n.tag === b.tag);
}

/**
 * Checks `names` (of one certificate below the constraining CA) against the CA's constraints.
 * Assumes `checkNameConstraintsSyntax` passed for `nc`. Returns the first violation.
 */
export function checkNamesAgainstConstraints(nc: NameConstraints, names: readonly GeneralName[], budget: NameCheckBudget): Problem | undefined {
  const permitted = nc.permitted ?? [];
  const excluded = nc.excluded ?? [];
  for (const name of names) {
    const excludedOfForm = excluded.filter((b) => sameForm(name, b));
    const permittedOfForm = permitted.filter((b) => sameForm(name, b));
    if (excludedOfForm.length === 0 && permittedOfForm.length === 0) continue;
    budget.remaining -= excludedOfForm.length + permittedOfForm.length;
    if (budget.remaining < 0) {
      return problem('PATH_BUILDING_LIMIT', 'name-constraint checking exceeded the work limit (too many names times constraints)');
    }
    if (!evaluable(name)) {
      return problem('NAME_CONSTRAINTS_VIOLATED', `a name constraint restricts the form of ${describeName(name)}, which certgate cannot evaluate, and the certificate carries one`);
    }
    if (!wellFormed(name)) {
      // Fail closed: a name that cannot be compared is neither known to be permitted nor known
      // to be outside the excluded subtrees.
      return problem('NAME_CONSTRAINTS_VIOLATED', `${describeName(name)} cannot be compared with the name constraints of its form (not a mailbox, not a valid host name, or a URI without a host)`);
    }
    const hit = excludedOfForm.find((b) => EXCLUDED(name, b));
    if (hit !== undefined) {
      return problem('NAME_CONSTRAINTS_VIOLATED', `${describeName(name)} is inside the excluded subtree ${describeName(hit)}`);
    }
    if (permittedOfForm.length > 0 && !permittedOfForm.some((b) => PERMITTED(name, b))) {
      const list = permittedOfForm.slice(0, 3).map(describeName).join(', ') + (permittedOfForm.length > 3 ? `, ... (${permittedOfForm.length} in all)` : '');
      return problem('NAME_CONSTRAINTS_VIOLATED', `${describeName(name)} is outside the permitted subtrees (${list})`);
    }
  }
  return undefined;
}
