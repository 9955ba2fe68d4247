/**
 * Signed test certificates in a few lines, for path-validation tests: every field and extension
 * can be set or broken (critical flags, serials, name constraints, missing AKI/SKI, weak hashes,
 * tampered signatures), which no CA tool allows. Keys are EC P-256 unless asked otherwise (fast);
 * RSA keys are generated once per process and reused. Not for production use.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Certificate } from '../../src/cert/certificate.js';
import { bitString, bool, explicit, extension, int, name, nul, octets, oid, seq, tlv, utcTime, generalizedTime, utf8, ia5, type Bytes } from './der.js';

export type TestKeySpec = 'ec-p256' | 'ec-p384' | 'ed25519' | 'rsa2048' | 'rsa1024' | 'ec-secp256k1';

export interface TestKey {
  readonly spec: TestKeySpec;
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
}

const rsaCache = new Map<TestKeySpec, TestKey>();

/** A new key (RSA keys are cached: generating them is slow and tests do not need fresh ones). */
export function newKey(spec: TestKeySpec = 'ec-p256'): TestKey {
  const cached = rsaCache.get(spec);
  if (cached !== undefined) return cached;
  const pair =
    spec === 'ec-p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : spec === 'ec-p384' ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
    : spec === 'ec-secp256k1' ? generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
    : spec === 'ed25519' ? generateKeyPairSync('ed25519')
    : generateKeyPairSync('rsa', { modulusLength: spec === 'rsa1024' ? 1024 : 2048 });
  const key = { spec, privateKey: pair.privateKey, spki: pair.publicKey.export({ type: 'spki', format: 'der' }) };
  if (spec.startsWith('rsa')) rsaCache.set(spec, key);
  return key;
}

/** A GeneralName for SAN and name-constraint specs. */
export type NameSpec =
  | { dns: string }
  | { email: string }
  | { uri: string }
  /** Dotted quad / IPv6 text, or address/prefix in constraints ("192.0.2.0/24"). */
  | { ip: string }
  | { dn: [string, string][] }
  | { otherName: string };

export interface CertSpec {
  /** Subject CN (or full RDN list [[oid, value]...]); "" for an empty subject. */
  readonly subject: string | [string, string][];
  /** The issuing certificate; omitted = self-signed. */
  readonly issuer?: TestCert;
  readonly key?: TestKey;
  /** CA certificate: basicConstraints cA (critical) with this pathLen, keyUsage keyCertSign+cRLSign. */
  readonly ca?: boolean | { pathLen: number };
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: Bytes;
  readonly version?: 1 | 3;
  /** Hash of the signature (default sha256; RSA/ECDSA only). */
  readonly hash?: 'sha1' | 'sha256' | 'sha384' | 'md5';
  /** keyUsage bit names; `null` omits the extension; default per role. */
  readonly keyUsage?: readonly KeyUsageBit[] | null;
  /** EKU short names or OIDs; `null` omits; default ["clientAuth"] for leaves, none for CAs. */
  readonly eku?: readonly string[] | null;
  readonly ekuCritical?: boolean;
  readonly san?: readonly NameSpec[];
  readonly sanCritical?: boolean;
  readonly permitted?: readonly NameSpec[];
  readonly excluded?: readonly NameSpec[];
  /** Omit SKI / AKI. */
  readonly noSki?: boolean;
  readonly noAki?: boolean;
  /** basicConstraints critical (default true). */
  readonly bcCritical?: boolean;
  /** Force basicConstraints on a leaf, e.g. { ca: false } or { ca: true }. */
  readonly basicConstraints?: { ca: boolean; pathLen?: number } | null;
  /** Raw extra extensions (use `extension()` from der.ts). */
  readonly extraExtensions?: readonly Bytes[];
  /** Flip a bit in the signature. */
  readonly tamper?: boolean;
}

export type KeyUsageBit = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';
const KU_BITS: Record<KeyUsageBit, number> = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, dataEncipherment: 3, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 };

export const EKU_OIDS: Record<string, string> = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  anyExtendedKeyUsage: '2.5.29.37.0',
};

export interface TestCert {
  readonly der: Buffer;
  readonly cert: Certificate;
  readonly key: TestKey;
  readonly pem: string;
  readonly subjectDer: Bytes;
  readonly ski: Buffer;
}

const DAY = 86_400_000;
/** The default validation instant of these tests; certificates are valid a year around it. */
export const AT = new Date('2026-06-01T12:00:00Z');

function time(d: Date): Bytes {
  const iso = d.toISOString();
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return d.getUTCFullYear() < 2050 ? utcTime(compact.slice(2)) : generalizedTime(compact);
}

function nameDer(subject: string | [string, string][]): Bytes {
  if (typeof subject === 'string') return subject === '' ? seq() : name([['2.5.4.3', utf8(subject)]]);
  return name(...subject.map(([o, v]): [string, Bytes][] => [[o, o === '1.2.840.113549.1.9.1' ? ia5(v) : utf8(v)]]));
}

function ipBytes(text: string, constraint: boolean): Buffer {
  const [addr, prefixText] = text.split('/') as [string, string | undefined];
  let bytes: number[];
  if (addr.includes(':')) {
    const [head, tail] = addr.split('::') as [string, string | undefined];
    const h = head === '' ? [] : head.split(':');
    const t = tail === undefined || tail === '' ? [] : tail.split(':');
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    bytes = groups.flatMap((g) => { const n = parseInt(g, 16); return [n >> 8, n & 0xff]; });
  } else {
    bytes = addr.split('.').map(Number);
  }
  if (!constraint) return Buffer.from(bytes);
  const prefix = prefixText === undefined ? bytes.length * 8 : Number(prefixText);
  const mask = bytes.map((_, i) => { const bits = Math.max(0, Math.min(8, prefix - i * 8)); return (0xff << (8 - bits)) & 0xff; });
  return Buffer.from([...bytes, ...mask]);
}

export function generalName(n: NameSpec, constraint = false): Bytes {
  if ('dns' in n) return tlv(0x82, Buffer.from(n.dns, 'latin1'));
  if ('email' in n) return tlv(0x81, Buffer.from(n.email, 'latin1'));
  if ('uri' in n) return tlv(0x86, Buffer.from(n.uri, 'latin1'));
  if ('ip' in n) return tlv(0x87, ipBytes(n.ip, constraint));
  if ('dn' in n) return explicit(4, nameDer(n.dn));
  return tlv(0xa0, oid(n.otherName), explicit(0, utf8('x')));
}

function keyUsageDer(bits: readonly KeyUsageBit[]): Bytes {
  let value = 0;
  for (const b of bits) value |= 0x80 >> KU_BITS[b];
  if (value === 0) return bitString([]);
  let unused = 0;
  while (((value >> unused) & 1) === 0) unused++;
  return bitString([value], unused);
}

function sigAlg(key: TestKey, hash: string): Bytes {
  if (key.spec === 'ed25519') return seq(oid('1.3.101.112'));
  if (key.spec.startsWith('rsa')) {
    const o = { md5: '1.2.840.113549.1.1.4', sha1: '1.2.840.113549.1.1.5', sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12' }[hash] as string;
    return seq(oid(o), nul());
  }
  const o = { sha1: '1.2.840.10045.4.1', sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3' }[hash] as string;
  return seq(oid(o));
}

let serialCounter = 0x1000;

/** Builds, signs and parses one certificate. */
export function makeCert(spec: CertSpec): TestCert {
  const key = spec.key ?? newKey();
  const issuerKey = spec.issuer?.key ?? key;
  const subjectDer = nameDer(spec.subject);
  const issuerDer = spec.issuer?.subjectDer ?? subjectDer;
  const ski = createHash('sha1').update(key.spki).digest();
  const isCa = spec.ca !== undefined && spec.ca !== false;
  const exts: Bytes[] = [];
  const bc = spec.basicConstraints !== undefined ? spec.basicConstraints : isCa ? { ca: true, pathLen: typeof spec.ca === 'object' ? spec.ca.pathLen : undefined } : null;
  if (bc !== null) exts.push(extension('2.5.29.19', seq(...(bc.ca ? [bool(true)] : []), ...(bc.pathLen === undefined ? [] : [int(bc.pathLen)])), spec.bcCritical ?? true));
  const ku = spec.keyUsage !== undefined ? spec.keyUsage : isCa ? (['keyCertSign', 'cRLSign'] as KeyUsageBit[]) : (['digitalSignature'] as KeyUsageBit[]);
  if (ku !== null) exts.push(extension('2.5.29.15', keyUsageDer(ku), true));
  const eku = spec.eku !== undefined ? spec.eku : isCa ? null : ['clientAuth'];
  if (eku !== null) exts.push(extension('2.5.29.37', seq(...eku.map((e) => oid(EKU_OIDS[e] ?? e))), spec.ekuCritical ?? false));
  if (spec.san !== undefined) exts.push(extension('2.5.29.17', seq(...spec.san.map((n) => generalName(n))), spec.sanCritical ?? false));
  if (spec.permitted !== undefined || spec.excluded !== undefined) {
    const subtrees = (list: readonly NameSpec[]): Bytes[] => list.map((n) => seq(generalName(n, true)));
    exts.push(
      extension('2.5.29.30', seq(...(spec.permitted === undefined ? [] : [tlv(0xa0, ...subtrees(spec.permitted))]), ...(spec.excluded === undefined ? [] : [tlv(0xa1, ...subtrees(spec.excluded))])), true),
    );
  }
  if (!spec.noSki) exts.push(extension('2.5.29.14', octets(ski)));
  const selfSigned = spec.issuer === undefined;
  if (!spec.noAki && !(selfSigned && spec.noSki)) exts.push(extension('2.5.29.35', seq(tlv(0x80, spec.issuer?.ski ?? ski))));
  exts.push(...(spec.extraExtensions ?? []));

  const notBefore = spec.notBefore ?? new Date(AT.getTime() - 365 * DAY);
  const notAfter = spec.notAfter ?? new Date(AT.getTime() + 365 * DAY);
  const alg = sigAlg(issuerKey, spec.hash ?? 'sha256');
  const v3 = (spec.version ?? 3) === 3;
  const tbs = seq(
    ...(v3 ? [explicit(0, int(2))] : []),
    spec.serial ?? int(++serialCounter),
    alg,
    issuerDer,
    seq(time(notBefore), time(notAfter)),
    subjectDer,
    key.spki,
    ...(v3 && exts.length > 0 ? [explicit(3, seq(...exts))] : []),
  );
  const hash = issuerKey.spec === 'ed25519' ? null : (spec.hash ?? 'sha256');
  const signature = sign(hash, tbs, issuerKey.privateKey);
  if (spec.tamper) signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 0x01, signature.length - 1);
  const der = Buffer.from(seq(tbs, alg, bitString(signature)));
  const cert = Certificate.fromDer(der);
  return { der, cert, key, pem: cert.toPem(), subjectDer, ski };
}

/** A root, an intermediate and a client leaf (EC P-256), the common test chain. */
export function makeChain(overrides: { root?: Partial<CertSpec>; intermediate?: Partial<CertSpec>; leaf?: Partial<CertSpec> } = {}): { root: TestCert; intermediate: TestCert; leaf: TestCert } {
  const root = makeCert({ subject: 'Test Root', ca: true, ...overrides.root });
  const intermediate = makeCert({ subject: 'Test Intermediate', ca: { pathLen: 0 }, issuer: root, ...overrides.intermediate });
  const leaf = makeCert({ subject: 'client.example', issuer: intermediate, ...overrides.leaf });
  return { root, intermediate, leaf };
}
