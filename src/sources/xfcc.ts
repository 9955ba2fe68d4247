/**
 * Envoy's `x-forwarded-client-cert` (XFCC): elements separated by `,`, one per proxy hop, each a
 * list of `Key=Value` pairs separated by `;`. A value holding `,`, `;` or `=` is double-quoted,
 * with `\"` for a quote inside it (Envoy quotes `Subject` and the URL-encoded `Cert`/`Chain`).
 *
 * Which element counts: the LAST one. Envoy appends its element (APPEND_FORWARD) or replaces the
 * header with it (SANITIZE_SET), so the last element is always the one written by the proxy
 * that connects to us, the trusted hop; every earlier element came from further away, possibly
 * from the client itself, and is ignored. The parser honours quotes exactly, so a quoted `,` or
 * `;` inside a `Subject` (which the client controls through its certificate) can neither start a
 * new element nor smuggle in a `Cert=`.
 */
import { ClientCertError } from '../errors.js';
import { malformed } from '../cert/der.js';

/** One `Key=Value` pair (the value unquoted and unescaped, still URL-encoded). */
export interface XfccPair {
  readonly key: string;
  readonly value: string;
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Parses a whole XFCC value into elements of pairs. Unterminated quotes, a quote inside an
 * unquoted value, a pair without `=`, an empty key or element are CERT_MALFORMED.
 */
export function parseXfcc(value: string, what = 'x-forwarded-client-cert header'): XfccPair[][] {
  const elements: XfccPair[][] = [];
  let pairs: XfccPair[] = [];
  let i = 0;
  const n = value.length;
  for (;;) {
    while (i < n && isOws(value.charCodeAt(i))) i++;
    // Key: up to '='.
    const keyStart = i;
    while (i < n && value[i] !== '=' && value[i] !== ';' && value[i] !== ',' && value[i] !== '"') i++;
    const key = value.slice(keyStart, i).replace(/[ \t]+$/, '');
    if (value[i] !== '=') {
      const found = i >= n ? 'the end of the value' : `"${value[i] as string}"`;
      throw malformed(`${what}: expected Key=Value at position ${keyStart}, found ${key.length === 0 ? 'no key' : `a key`} followed by ${found}`);
    }
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) throw malformed(`${what}: invalid key at position ${keyStart}: expected letters, digits, "-" or "_"`);
    i++; // '='
    let text = '';
    if (value[i] === '"') {
      const quoteAt = i;
      i++;
      let closed = false;
      let runStart = i;
      while (i < n) {
        const c = value[i];
        if (c === '\\' && value[i + 1] === '"') {
          text += `${value.slice(runStart, i)}"`;
          i += 2;
          runStart = i;
        } else if (c === '"') {
          text += value.slice(runStart, i);
          closed = true;
          i++;
          break;
        } else {
          i++;
        }
      }
      if (!closed) throw malformed(`${what}: the quoted value starting at position ${quoteAt} is not closed (truncated?)`);
      while (i < n && isOws(value.charCodeAt(i))) i++;
      if (i < n && value[i] !== ';' && value[i] !== ',') throw malformed(`${what}: unexpected "${value[i] as string}" after the quoted value at position ${quoteAt}`);
    } else {
      const start = i;
      while (i < n && value[i] !== ';' && value[i] !== ',') {
        if (value[i] === '"') throw malformed(`${what}: unexpected '"' inside an unquoted value at position ${i}`);
        i++;
      }
      text = value.slice(start, i).replace(/[ \t]+$/, '');
    }
    pairs.push({ key, value: text });
    if (i >= n) break;
    const sep = value[i];
    i++;
    if (sep === ',') {
      elements.push(pairs);
      pairs = [];
    }
    let j = i;
    while (j < n && isOws(value.charCodeAt(j))) j++;
    if (j >= n || value[j] === ',' || value[j] === ';') throw malformed(`${what}: empty ${sep === ',' ? 'element' : 'pair'} after position ${i - 1}`);
  }
  elements.push(pairs);
  return elements;
}

/**
 * The certificates of the last XFCC element: its `Cert` (the leaf), then the rest of its `Chain`
 * (Envoy's `Chain` holds the leaf first). [] when the element has neither. A repeated `Cert` or
 * `Chain`, or a `Chain` whose first certificate is not the `Cert`, is HEADER_AMBIGUOUS.
 */
export function xfccCertificates(value: string, what: string, decodePem: (value: string, what: string) => Uint8Array[]): Uint8Array[] {
  const elements = parseXfcc(value, what);
  const last = elements[elements.length - 1] as XfccPair[];
  let cert: string | undefined;
  let chain: string | undefined;
  for (const pair of last) {
    const key = pair.key.toLowerCase();
    if (key !== 'cert' && key !== 'chain') continue;
    if ((key === 'cert' ? cert : chain) !== undefined) {
      throw new ClientCertError('HEADER_AMBIGUOUS', `${what}: the last element has more than one ${key === 'cert' ? 'Cert' : 'Chain'} key`);
    }
    if (key === 'cert') cert = pair.value;
    else chain = pair.value;
  }
  const where = elements.length === 1 ? what : `${what}, element ${elements.length} of ${elements.length}`;
  const leaf = cert === undefined ? undefined : decodePem(cert, `${where}, Cert`);
  if (leaf !== undefined && leaf.length !== 1) throw malformed(`${where}, Cert: expected exactly one certificate, found ${leaf.length}`);
  const rest = chain === undefined ? undefined : decodePem(chain, `${where}, Chain`);
  if (leaf === undefined) return rest ?? [];
  if (rest === undefined) return leaf;
  const leafDer = leaf[0] as Uint8Array;
  const first = rest[0] as Uint8Array;
  if (!Buffer.from(first.buffer, first.byteOffset, first.byteLength).equals(leafDer)) {
    throw new ClientCertError('HEADER_AMBIGUOUS', `${where}: Cert and the first certificate of Chain differ (Envoy's Chain starts with the leaf)`);
  }
  return [leafDer, ...rest.slice(1)];
}
