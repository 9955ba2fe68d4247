import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { colorEnabled, styleFor } from '../../src/cli/style.js';
import { cli } from './capture-cli.js';

const tty = Object.assign(new PassThrough(), { isTTY: true });
const pipe = new PassThrough();
const ESC = '\u001b[';

describe('colorEnabled', () => {
  it('colours a TTY, not a pipe', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });
  it('honours NO_COLOR (non-empty) and TERM=dumb on a TTY', () => {
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });
  it('lets FORCE_COLOR decide either way, before NO_COLOR', () => {
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
  });
  it('paints only when enabled', () => {
    expect(styleFor(pipe, {}).red('x')).toBe('x');
    expect(styleFor(tty, {}).red('x')).toBe(`${ESC}31mx${ESC}39m`);
    expect(styleFor(tty, {}).bold('')).toBe('');
  });
});

describe('CLI output colours', () => {
  const args = ['verify', '--cert', 'fixtures/reference/uptrends-2024.pem', '--untrusted', 'fixtures/reference/sectigo-rsa-client-auth-ca.pem', '--ca', 'fixtures/reference/usertrust-rsa-root.pem', '--at', '2025-01-01T00:00:00Z'];
  it('are absent when the output is not a terminal', async () => {
    const run = await cli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^VALID at 2025-01-01T00:00:00Z/);
    expect(run.stdout).not.toContain(ESC);
  });
  it('appear with FORCE_COLOR, and never inside --json', async () => {
    const run = await cli(args, { env: { FORCE_COLOR: '1' } });
    expect(run.stdout).toContain(`${ESC}32mVALID${ESC}39m`);
    const json = await cli([...args, '--json'], { env: { FORCE_COLOR: '1' } });
    expect(json.stdout).not.toContain(ESC);
    expect((JSON.parse(json.stdout) as { valid: boolean }).valid).toBe(true);
  });
  it('keep table columns aligned (padding outside the colour codes)', async () => {
    const plain = await cli(['pins', 'list', 'uptrends', '--now', '2026-11-23T00:00:00Z']);
    const coloured = await cli(['pins', 'list', 'uptrends', '--now', '2026-11-23T00:00:00Z'], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain(`${ESC}31mexpired${ESC}39m`);
    // eslint-disable-next-line no-control-regex
    expect(coloured.stdout.replace(/\u001b\[\d+m/g, '')).toBe(plain.stdout);
  });
  it('colour the expiry status column, and nothing else changes', async () => {
    const args = ['expiry', 'fixtures/reference/uptrends-2024.pem', '--now', '2026-11-23T00:00:00Z'];
    const plain = await cli(args);
    const coloured = await cli(args, { env: { FORCE_COLOR: '1' } });
    expect(plain.code).toBe(2);
    expect(coloured.code).toBe(2);
    expect(plain.stdout).not.toContain(ESC);
    expect(coloured.stdout).toContain(`${ESC}31mEXPIRED`);
    // eslint-disable-next-line no-control-regex
    expect(coloured.stdout.replace(/\u001b\[\d+m/g, '')).toBe(plain.stdout);
  });
});
