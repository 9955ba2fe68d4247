/**
 * X.509 Validity times, exactly as RFC 5280 4.1.2.5 profiles them: UTCTime `YYMMDDHHMMSSZ`
 * (YY 50-99 = 19YY, 00-49 = 20YY) and GeneralizedTime `YYYYMMDDHHMMSSZ`. No fractions, no
 * offsets, no missing seconds; every field range-checked (no 31 April, no 29 February 2025).
 */
import { malformed, TAG, type Tlv } from './der.js';

/** Which encoding a time used (RFC 5280 wants UTCTime through 2049; verify may check that). */
export type TimeEncoding = 'UTCTime' | 'GeneralizedTime';

export interface DecodedTime {
  readonly date: Date;
  readonly encoding: TimeEncoding;
}

export function readTime(bytes: Uint8Array, tlv: Tlv, what: string): DecodedTime {
  const utc = tlv.tag === TAG.UTC_TIME;
  if (!utc && tlv.tag !== TAG.GENERALIZED_TIME) {
    throw malformed(`expected UTCTime (0x17) or GeneralizedTime (0x18) for ${what} at offset ${tlv.offset}, found 0x${tlv.tag.toString(16).padStart(2, '0')}`);
  }
  const expectedLength = utc ? 13 : 15;
  const length = tlv.end - tlv.start;
  const shape = utc ? 'YYMMDDHHMMSSZ' : 'YYYYMMDDHHMMSSZ';
  if (length !== expectedLength || bytes[tlv.end - 1] !== 0x5a /* Z */) {
    throw malformed(`${utc ? 'UTCTime' : 'GeneralizedTime'} ${what} at offset ${tlv.offset} is ${printable(bytes, tlv)}; expected ${shape}`);
  }
  const digits = (at: number, count: number): number => {
    let n = 0;
    for (let i = 0; i < count; i++) {
      const c = bytes[tlv.start + at + i] as number;
      if (c < 0x30 || c > 0x39) {
        throw malformed(`${utc ? 'UTCTime' : 'GeneralizedTime'} ${what} at offset ${tlv.offset} is ${printable(bytes, tlv)}; expected ${shape}`);
      }
      n = n * 10 + (c - 0x30);
    }
    return n;
  };
  let year: number;
  let p: number;
  if (utc) {
    const yy = digits(0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = 2;
  } else {
    year = digits(0, 4);
    p = 4;
  }
  const month = digits(p, 2);
  const day = digits(p + 2, 2);
  const hour = digits(p + 4, 2);
  const minute = digits(p + 6, 2);
  const second = digits(p + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw malformed(`${utc ? 'UTCTime' : 'GeneralizedTime'} ${what} at offset ${tlv.offset} is ${printable(bytes, tlv)}: not a valid date and time`);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0-99 literal, unlike Date.UTC
  date.setUTCHours(hour, minute, second, 0);
  return { date, encoding: utc ? 'UTCTime' : 'GeneralizedTime' };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The time's content for a message: printable ASCII kept, anything else as \xNN, at most 32 chars. */
function printable(bytes: Uint8Array, tlv: Tlv): string {
  let out = '"';
  for (let i = tlv.start; i < Math.min(tlv.end, tlv.start + 32); i++) {
    const c = bytes[i] as number;
    out += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}${tlv.end - tlv.start > 32 ? '...' : ''}"`;
}
