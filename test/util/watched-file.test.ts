import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigFileReadError, MAX_CONFIG_FILE_SIZE, WatchedFile } from '../../src/util/watched-file.js';

const dirs: string[] = [];
const files: Array<{ close(): void }> = [];
afterEach(() => {
  for (const f of files.splice(0)) f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-watch-'));
  dirs.push(dir);
  return dir;
}

function parseNumber(text: string): number {
  const value = JSON.parse(text) as unknown;
  if (typeof value !== 'number') throw new Error(`expected a number, found ${typeof value}`);
  return value;
}

/** A WatchedFile whose updates and errors are queued as promises the test can await. */
function watched(path: string, watch = true) {
  const updates: number[] = [];
  const errors: Error[] = [];
  const waiters: Array<() => void> = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const file = new WatchedFile<number>({
    path,
    parse: parseNumber,
    watch,
    debounceMs: 20,
    onUpdate: (v) => {
      updates.push(v);
      notify();
    },
    onError: (e) => {
      errors.push(e);
      notify();
    },
  });
  files.push(file);
  const until = async (condition: () => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for a file event');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  };
  return { file, updates, errors, until };
}

describe('WatchedFile', () => {
  it('loads synchronously and throws when the first load fails', () => {
    const dir = tempDir();
    expect(() => new WatchedFile({ path: join(dir, 'missing.json'), parse: parseNumber, watch: false })).toThrow(ConfigFileReadError);
    writeFileSync(join(dir, 'bad.json'), '"text"');
    expect(() => new WatchedFile({ path: join(dir, 'bad.json'), parse: parseNumber, watch: false })).toThrow('expected a number');
    writeFileSync(join(dir, 'big.json'), Buffer.alloc(MAX_CONFIG_FILE_SIZE + 1, 0x20));
    expect(() => new WatchedFile({ path: join(dir, 'big.json'), parse: parseNumber, watch: false })).toThrow('limit');
    writeFileSync(join(dir, 'ok.json'), '\uFEFF42');
    expect(new WatchedFile({ path: join(dir, 'ok.json'), parse: parseNumber, watch: false }).value).toBe(42);
  });

  it('reloads after an atomic rename-replace, keeps the last good value on a corrupted or deleted file, and recovers', async () => {
    const dir = tempDir();
    const path = join(dir, 'value.json');
    writeFileSync(path, '1');
    const { file, updates, errors, until } = watched(path);
    expect(file.value).toBe(1);

    writeFileSync(join(dir, '.value.json.tmp'), '2');
    renameSync(join(dir, '.value.json.tmp'), path);
    await until(() => updates.length === 1);
    expect(file.value).toBe(2);
    expect(file.generation).toBe(1);

    writeFileSync(path, '{"truncated": ');
    await until(() => errors.length === 1);
    expect(errors[0]?.message).toMatch(/JSON/);
    expect(file.value).toBe(2);

    rmSync(path);
    await until(() => errors.length === 2);
    expect(errors[1]).toBeInstanceOf(ConfigFileReadError);
    expect(file.value).toBe(2);

    writeFileSync(path, '3');
    await until(() => updates.length === 2);
    expect(file.value).toBe(3);
    expect(file.generation).toBe(2);
  });

  it('reload() re-reads on demand and ignores unchanged content', async () => {
    const dir = tempDir();
    const path = join(dir, 'v.json');
    writeFileSync(path, '5');
    const { file, updates } = watched(path, false);
    expect(await file.reload()).toBe(false);
    writeFileSync(path, '6');
    expect(await file.reload()).toBe(true);
    expect(file.value).toBe(6);
    expect(updates).toEqual([6]);
  });
});
