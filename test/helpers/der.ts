/**
 * A tiny DER writer for tests: builds certificate shapes that no CA tool will emit (negative
 * serials, duplicate extensions, odd strings), unsigned, because the parser never checks
 * signatures. Not for production use.
 */

export type Bytes = Uint8Array;

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** An element with `tag` and the concatenation of `parts` as content. */
export function tlv(tag: number, ...parts: (Bytes | number[])[]): Bytes {
  const content = Buffer.concat(parts.map((p) => Buffer.from(p)));
  return Buffer.concat([Buffer.from([tag, ...lengthOctets(content.length)]), content]);
}

export const seq = (...parts: Bytes[]): Bytes => tlv(0x30, ...parts);
export const set = (...parts: Bytes[]): Bytes => tlv(0x31, ...parts);
export const explicit = (n: number, ...parts: Bytes[]): Bytes => tlv(0xa0 | n, ...parts);
export const octets = (bytes: Bytes | number[]): Bytes => tlv(0x04, bytes);
export const bool = (value: boolean): Bytes => tlv(0x01, [value ? 0xff : 0x00]);
export const nul = (): Bytes => tlv(0x05);
export const utf8 = (s: string): Bytes => tlv(0x0c, Buffer.from(s, 'utf8'));
export const printable = (s: string): Bytes => tlv(0x13, Buffer.from(s, 'latin1'));
export const ia5 = (s: string): Bytes => tlv(0x16, Buffer.from(s, 'latin1'));
export const bitString = (bytes: Bytes | number[], unused = 0): Bytes => tlv(0x03, [unused], bytes);

/** INTEGER from a bigint (minimal two's complement) or raw content bytes. */
export function int(value: bigint | number | number[]): Bytes {
  if (Array.isArray(value)) return tlv(0x02, value);
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    out.unshift(Number(v & 0xffn));
    const rest = v >> 8n;
    const signOk = ((out[0] as number) & 0x80) === 0 ? rest === 0n : rest === -1n;
    if (signOk) break;
    v = rest;
  }
  return tlv(0x02, out);
}

export function oid(dotted: string): Bytes {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const first = (arcs[0] as bigint) * 40n + (arcs[1] as bigint);
  const out: number[] = [];
  for (const arc of [first, ...arcs.slice(2)]) {
    const chunk: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, out);
}

/** A Name from RDNs, each a list of [oid, value element]. */
export const name = (...rdns: [string, Bytes][][]): Bytes => seq(...rdns.map((rdn) => set(...rdn.map(([o, v]) => seq(oid(o), v)))));

export const utcTime = (s: string): Bytes => tlv(0x17, Buffer.from(s, 'latin1'));
export const generalizedTime = (s: string): Bytes => tlv(0x18, Buffer.from(s, 'latin1'));

/** An Extension. */
export const extension = (extnId: string, value: Bytes, critical?: boolean): Bytes =>
  seq(oid(extnId), ...(critical === undefined ? [] : [bool(critical)]), octets(value));

export const SHA256_RSA = seq(oid('1.2.840.113549.1.1.11'), nul());
export const CN_TEST = name([['2.5.4.3', utf8('Test')]]);

export interface CertParts {
  /** Version element ([0] EXPLICIT INTEGER) or null for none (v1). Default v3. */
  version?: Bytes | null;
  serial?: Bytes;
  signature?: Bytes;
  issuer?: Bytes;
  validity?: Bytes;
  subject?: Bytes;
  spki: Bytes;
  /** Extra TBS fields after the SPKI (unique IDs). */
  afterSpki?: Bytes[];
  /** Extension elements; undefined = no [3] field at all. */
  extensions?: Bytes[];
  outerSignature?: Bytes;
  signatureValue?: Bytes;
  /** Replace the whole TBS. */
  tbs?: Bytes;
}

/** Assembles an (unsigned) certificate. */
export function certificate(parts: CertParts): Bytes {
  const version = parts.version === undefined ? explicit(0, int(2)) : parts.version;
  const tbs =
    parts.tbs ??
    seq(
      ...(version === null ? [] : [version]),
      parts.serial ?? int(0x1234),
      parts.signature ?? SHA256_RSA,
      parts.issuer ?? CN_TEST,
      parts.validity ?? seq(utcTime('240101000000Z'), utcTime('250101000000Z')),
      parts.subject ?? CN_TEST,
      parts.spki,
      ...(parts.afterSpki ?? []),
      ...(parts.extensions === undefined ? [] : [explicit(3, seq(...parts.extensions))]),
    );
  return seq(tbs, parts.outerSignature ?? parts.signature ?? SHA256_RSA, parts.signatureValue ?? bitString(new Uint8Array(256).fill(7)));
}
