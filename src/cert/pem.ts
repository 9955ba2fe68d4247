/**
 * PEM armour: writing it, and finding blocks in text that people actually paste.
 *
 * Tolerated: CRLF, missing final newline, several blocks, text before, between and after blocks,
 * indentation, bodies on one long line or with spaces for newlines (headers flattened by proxies),
 * and BEGIN/END lines whose dashes are typographic (the Uptrends page prints
 * `—–BEGIN CERTIFICATE—–`: U+2014 U+2013). A BEGIN must be closed by an END with the same label
 * before the next BEGIN. Bodies of blocks that are not certificates are never decoded or echoed.
 */
import { malformed } from './der.js';

/** One armoured block: its label (uppercase, single spaces) and where its body is in the text. */
export interface PemBlock {
  readonly label: string;
  /** The body (base64 and whitespace) is text[bodyStart, bodyEnd). */
  readonly bodyStart: number;
  readonly bodyEnd: number;
  /** 1-based line of the BEGIN marker (for messages). */
  readonly line: number;
}

// ASCII hyphen-minus and the dash look-alikes that word processors and web pages substitute.
const DASH = '[-\\u2010-\\u2015\\u2212\\uFE58\\uFE63\\uFF0D]';
// Bounded quantifiers keep the scan linear whatever the text.
const MARKER = new RegExp(`${DASH}{1,10}[ \\t]*(BEGIN|END)[ \\t]+([A-Za-z0-9]{1,40}(?:[ \\t]+[A-Za-z0-9]{1,40}){0,7})[ \\t]*${DASH}{1,10}`, 'g');
const QUICK = /BEGIN[ \t]/;

/** True when `text` seems to contain PEM armour. */
export function looksLikePem(text: string): boolean {
  if (!QUICK.test(text)) return false;
  MARKER.lastIndex = 0;
  const found = MARKER.test(text);
  MARKER.lastIndex = 0;
  return found;
}

/** All blocks in `text`, in order. Unbalanced markers are CERT_MALFORMED. */
export function findPemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  let open: { label: string; bodyStart: number; index: number } | undefined;
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m !== null; m = MARKER.exec(text)) {
    const kind = m[1]?.toUpperCase();
    const label = (m[2] ?? '').toUpperCase().split(/[ \t]+/).join(' ');
    if (kind === 'BEGIN') {
      if (open !== undefined) {
        throw malformed(`PEM "BEGIN ${open.label}" at line ${lineOf(text, open.index)} has no END before "BEGIN ${label}" at line ${lineOf(text, m.index)}`);
      }
      open = { label, bodyStart: m.index + m[0].length, index: m.index };
    } else {
      if (open === undefined) throw malformed(`PEM "END ${label}" at line ${lineOf(text, m.index)} without a BEGIN`);
      if (open.label !== label) {
        throw malformed(`PEM "BEGIN ${open.label}" at line ${lineOf(text, open.index)} is closed by "END ${label}" at line ${lineOf(text, m.index)}`);
      }
      blocks.push({ label, bodyStart: open.bodyStart, bodyEnd: m.index, line: lineOf(text, open.index) });
      open = undefined;
    }
  }
  MARKER.lastIndex = 0;
  if (open !== undefined) throw malformed(`PEM "BEGIN ${open.label}" at line ${lineOf(text, open.index)} has no END (truncated?)`);
  return blocks;
}

/** "line 3, column 7" (1-based) of text[index]. */
export function lineAndColumn(text: string, index: number): string {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  return `line ${lineOf(text, index)}, column ${index - lineStart + 1}`;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** PEM with 64-character lines and a final newline. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += `${b64.slice(i, i + 64)}\n`;
  return `${out}-----END ${label}-----\n`;
}
