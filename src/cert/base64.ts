/**
 * Strict base64 decoding. Buffer.from(text, 'base64') silently skips characters it does not know
 * and stops at the first '=', so a damaged input would decode to *something*; this checks the
 * alphabet and the padding first (one pass, no regex: this runs on every forwarded certificate)
 * and says where the first bad character is, then lets Node's decoder do the work.
 *
 * Fast path: `atob` is WHATWG forgiving-base64, which is exactly strict base64 with ASCII
 * whitespace ignored and padding optional, implemented natively. Only when it refuses does the
 * JavaScript scan below run, to accept base64url and to say precisely what is wrong.
 */
import { malformed } from './der.js';

// Per ASCII code: 1 standard-only (+ /), 2 URL-safe-only (- _), 3 both alphabets, 4 whitespace, 5 '='.
const CLASS = new Uint8Array(128);
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = 3;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = 3;
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = 3;
CLASS[0x2b] = 1;
CLASS[0x2f] = 1;
CLASS[0x2d] = 2;
CLASS[0x5f] = 2;
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) CLASS[c] = 4;
CLASS[0x3d] = 5;

/**
 * Decodes text[start, end) as standard base64 or base64url (RFC 4648 sections 4 and 5), padded or
 * not, ignoring ASCII whitespace anywhere. Other characters, mixed alphabets, misplaced '=',
 * impossible lengths and results over `maxBytes` are CERT_MALFORMED; the message names `what`
 * and the first offending position (`locate` describes an index of `text`; by default its
 * offset from `start`), never the content.
 */
export function decodeBase64(
  text: string,
  what: string,
  start = 0,
  end = text.length,
  maxBytes = Number.POSITIVE_INFINITY,
  locate: (index: number) => string = (index) => `position ${index - start}`,
): Uint8Array {
  // Whitespace cannot plausibly double the length; refuse the obviously huge before decoding.
  if (end - start > (maxBytes / 3) * 8 + 1024) throw malformed(`${what} has ${end - start} characters, over the limit of ${maxBytes} decoded bytes`);
  const slice = start === 0 && end === text.length ? text : text.slice(start, end);
  let binary: string | undefined;
  try {
    binary = atob(slice);
  } catch {
    binary = undefined;
  }
  if (binary !== undefined) {
    if (binary.length > maxBytes) throw malformed(`${what} decodes to ${binary.length} bytes, over the limit of ${maxBytes} bytes`);
    return Buffer.from(binary, 'latin1');
  }
  return strictDecode(slice, what, maxBytes, (index) => locate(index + start));
}

function strictDecode(text: string, what: string, maxBytes: number, locate: (index: number) => string): Uint8Array {
  const start = 0;
  const end = text.length;
  let data = 0;
  let padding = 0;
  let alphabets = 3;
  let unicodeSpace = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    let cls = code < 128 ? (CLASS[code] as number) : 0;
    if (cls === 0 && code >= 128 && /\s/.test(text[i] as string)) {
      // NBSP and other Unicode spaces arrive with text copied from web pages: whitespace too.
      unicodeSpace = true;
      cls = 4;
    }
    if (cls === 4) continue;
    if (cls === 5) {
      padding++;
      if (padding > 2) throw malformed(`${what} is not base64: more than two padding characters at ${locate(i)}`);
      continue;
    }
    if (cls === 0 || padding > 0) {
      const shown = cls === 0 ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : 'data after padding';
      throw malformed(`${what} is not base64: unexpected ${cls === 0 ? `character ${shown}` : shown} at ${locate(i)}`);
    }
    alphabets &= cls;
    if (alphabets === 0) throw malformed(`${what} is not base64: it mixes the standard (+/) and URL-safe (-_) alphabets`);
    data++;
  }
  if (data % 4 === 1) throw malformed(`${what} is not base64: ${data} characters is an impossible length (truncated?)`);
  if (padding > 0 && (data + padding) % 4 !== 0) {
    throw malformed(`${what} is not base64: ${padding} padding character(s) do not fit ${data} characters`);
  }
  const size = Math.floor((data * 3) / 4);
  if (size > maxBytes) throw malformed(`${what} decodes to ${size} bytes, over the limit of ${maxBytes} bytes`);
  // Validated above, so Node's decoder (which skips whitespace and accepts both alphabets) is exact.
  return Buffer.from(unicodeSpace ? text.replace(/\s+/g, '') : text, 'base64');
}
