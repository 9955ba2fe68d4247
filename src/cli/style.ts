/**
 * Terminal colours for CLI output: on only when the stream is a TTY (and TERM is not "dumb"),
 * off when NO_COLOR is set (https://no-color.org), forced either way by FORCE_COLOR (as Node and
 * chalk read it: "0"/"false" off, anything else on). Decided once per stream, from the injected
 * CliIo, so tests and pipes get plain text.
 */

import type { Palette } from '../util/table.js';

/** Wraps text in one SGR attribute, or returns it unchanged when colours are off. */
export type Paint = (text: string) => string;

/** The colours of one output stream; every function is the identity when `enabled` is false. */
export interface Style extends Palette {
  readonly enabled: boolean;
}

/** Whether `stream` gets colours, given the environment. */
export function colorEnabled(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return (stream as { isTTY?: boolean }).isTTY === true;
}

const sgr = (open: number, close: number): Paint => (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);
const plain: Paint = (text) => text;

const ON: Style = { enabled: true, bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39) };
const OFF: Style = { enabled: false, bold: plain, dim: plain, red: plain, green: plain, yellow: plain };

/** The style for output written to `stream`. */
export function styleFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): Style {
  return colorEnabled(stream, env) ? ON : OFF;
}

/** A verdict word coloured by meaning: green for good, red for bad, yellow for a warning. */
export function verdictPaint(style: Style, tone: 'good' | 'bad' | 'warn' | 'neutral'): Paint {
  return tone === 'good' ? style.green : tone === 'bad' ? style.red : tone === 'warn' ? style.yellow : (t) => t;
}
