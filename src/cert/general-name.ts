/**
 * GeneralName (RFC 5280 4.2.1.6) and IP address text forms.
 */
import { DerReader, element, malformed, readOid, type Tlv } from './der.js';
import { latin1 } from './strings.js';
import { readName } from './name.js';
import type { GeneralName } from './types.js';

/** Where a GeneralName sits decides the valid iPAddress lengths. */
export type GeneralNameContext = 'name' | 'constraint';

/** Reads one GeneralName from `tlv` (its context-specific tag selects the choice). */
export function readGeneralName(bytes: Uint8Array, tlv: Tlv, what: string, context: GeneralNameContext = 'name'): GeneralName {
  switch (tlv.tag) {
    case 0x81:
      return { type: 'email', value: latin1(bytes, tlv.start, tlv.end) };
    case 0x82:
      return { type: 'dns', value: latin1(bytes, tlv.start, tlv.end) };
    case 0x86:
      return { type: 'uri', value: latin1(bytes, tlv.start, tlv.end) };
    case 0x87: {
      const length = tlv.end - tlv.start;
      const ok = context === 'name' ? length === 4 || length === 16 : length === 8 || length === 32;
      if (!ok) {
        const expected = context === 'name' ? '4 or 16' : '8 or 32 (address and mask)';
        throw malformed(`iPAddress in ${what} at offset ${tlv.offset} has ${length} octets; expected ${expected}`);
      }
      return { type: 'ip', value: bytes.subarray(tlv.start, tlv.end) };
    }
    case 0xa4: {
      // directoryName is a CHOICE (Name), so its [4] tag is explicit.
      const r = DerReader.inside(bytes, tlv);
      const name = readName(bytes, r.next(`directoryName in ${what}`), `directoryName in ${what}`);
      r.finish(`directoryName in ${what}`);
      return { type: 'dn', value: name };
    }
    case 0x88:
      return { type: 'registeredId', value: readOid(bytes, tlv, `registeredID in ${what}`) };
    case 0xa0:
    case 0xa3:
    case 0xa5:
      return { type: 'other', tag: tlv.tag & 0x1f, der: element(bytes, tlv) };
    default:
      throw malformed(
        `expected a GeneralName ([0]-[8]) in ${what} at offset ${tlv.offset}, found 0x${tlv.tag.toString(16).padStart(2, '0')}`,
      );
  }
}

/** Reads GeneralNames (SEQUENCE SIZE (1..MAX) OF GeneralName; an empty one is returned as []). */
export function readGeneralNames(bytes: Uint8Array, tlv: Tlv, what: string): GeneralName[] {
  const r = DerReader.inside(bytes, tlv);
  const names: GeneralName[] = [];
  while (!r.atEnd) names.push(readGeneralName(bytes, r.next(`GeneralName in ${what}`), what));
  return names;
}

/** Dotted quad for 4 bytes, RFC 5952 text for 16 (IPv4-mapped addresses in mixed notation). */
export function ipToText(ip: Uint8Array): string {
  if (ip.length === 4) return `${ip[0]}.${ip[1]}.${ip[2]}.${ip[3]}`;
  if (ip.length !== 16) throw new RangeError(`IP address must have 4 or 16 bytes, got ${ip.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((ip[i] as number) << 8) | (ip[i + 1] as number));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  }
  // The longest run of two or more zero groups (the first on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** "192.0.2.0/24" or "2001:db8::/32" for an 8- or 32-byte name-constraint address+mask; mask as given when not a prefix. */
export function ipRangeToText(range: Uint8Array): string {
  const half = range.length / 2;
  const address = ipToText(range.subarray(0, half));
  const mask = range.subarray(half);
  let prefix = 0;
  let contiguous = true;
  let seenZero = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set === 1 && seenZero) contiguous = false;
      if (set === 1) prefix++;
      else seenZero = true;
    }
  }
  return contiguous ? `${address}/${prefix}` : `${address}/${ipToText(mask)}`;
}
