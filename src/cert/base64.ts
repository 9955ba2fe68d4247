/**
 * Strict base64 decoding. Buffer.from(text, 'base64') silently skips characters it does not know
 * and stops at the first '=', so a damaged input would decode to *something*; this checks the
 * alphabet and the padding first and says where the first bad character is.
 */
import { malformed } from './der.js';

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes `text` (no whitespace) as standard base64 or base64url (RFC 4648 sections 4 and 5),
 * padded or not. Mixed alphabets, misplaced '=' and impossible lengths are CERT_MALFORMED; the
 * message names `what` and the first offending position, never the content.
 */
export function decodeBase64(text: string, what: string): Uint8Array {
  let end = text.length;
  let padding = 0;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */ && padding < 2) {
    end--;
    padding++;
  }
  const data = end === text.length ? text : text.slice(0, end);
  const urlSafe = !STANDARD.test(data);
  if (urlSafe && !URL_SAFE.test(data)) {
    const bad = /[^A-Za-z0-9+/_-]/.exec(data);
    if (bad === null) throw malformed(`${what} is not base64: it mixes the standard (+/) and URL-safe (-_) alphabets`);
    const c = data.codePointAt(bad.index) ?? 0;
    throw malformed(`${what} is not base64: unexpected character U+${c.toString(16).toUpperCase().padStart(4, '0')} at position ${bad.index}`);
  }
  if (data.length % 4 === 1) throw malformed(`${what} is not base64: its length ${data.length} is impossible (truncated?)`);
  if (padding > 0 && (data.length + padding) % 4 !== 0) {
    throw malformed(`${what} is not base64: ${padding} padding character(s) do not fit a length of ${data.length}`);
  }
  return Buffer.from(data, urlSafe ? 'base64url' : 'base64');
}
