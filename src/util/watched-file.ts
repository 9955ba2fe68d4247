/**
 * A configuration file that is loaded once synchronously and then hot-reloaded when it changes.
 *
 * Why the directory is watched rather than the file: editors, `certgate pins update` and
 * Kubernetes ConfigMaps replace a file by renaming a new one over it (or by swapping a symlink);
 * a watch on the old inode would go silent after the first replacement. Any event in the
 * directory schedules a debounced re-read; unchanged content (same SHA-256) is ignored.
 *
 * A re-read that fails (missing file, too large, parse or validation error) is reported through
 * `onError` and the last good value stays in force.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFileBounded, readFileBoundedSync } from './read-bounded.js';
import { basename, dirname, resolve } from 'node:path';

/** Largest configuration file read (bytes). */
export const MAX_CONFIG_FILE_SIZE = 1024 * 1024;

export interface WatchedFileOptions<T> {
  readonly path: string;
  /** Turns the file's text into a value; throws on invalid content (the message is reported). */
  readonly parse: (text: string) => T;
  /** Called after a successful reload with the new value (not for the initial load). */
  readonly onUpdate?: (value: T) => void;
  /** Called when a reload fails; the previous value stays in force. */
  readonly onError?: (error: Error) => void;
  /** Watch for changes (default true). */
  readonly watch?: boolean;
  /** Quiet period after the last change event before re-reading (default 100 ms). */
  readonly debounceMs?: number;
}

/** Error thrown or reported when the file cannot be read (the shared bounded-read error). */
export { FileReadError as ConfigFileReadError } from './read-bounded.js';

function decodeText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * A file loaded at construction (a failure throws) and reloaded on change.
 * `close()` stops watching; the watcher never keeps the process alive.
 */
export class WatchedFile<T> {
  readonly path: string;
  #value: T;
  #digest: string;
  #generation = 0;
  readonly #options: WatchedFileOptions<T>;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<boolean> | undefined;
  #again = false;
  #closed = false;

  /** @throws ConfigFileReadError or whatever `parse` throws, when the first load fails. */
  constructor(options: WatchedFileOptions<T>) {
    this.#options = options;
    this.path = resolve(options.path);
    const bytes = readFileBoundedSync(this.path, MAX_CONFIG_FILE_SIZE);
    this.#value = options.parse(decodeText(bytes));
    this.#digest = createHash('sha256').update(bytes).digest('hex');
    if (options.watch !== false) this.#startWatching();
  }

  /** The last successfully loaded value. */
  get value(): T {
    return this.#value;
  }

  /** Number of successful reloads since construction (0 = the initial load). */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Re-reads the file now. Resolves to true when a new value was installed, false when the
   * content was unchanged or the reload failed (reported through `onError`).
   */
  reload(): Promise<boolean> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    const run = this.#reloadOnce().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        void this.reload();
      }
    });
    this.#running = run;
    return run;
  }

  /** Stops watching. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  async #reloadOnce(): Promise<boolean> {
    let bytes: Buffer;
    try {
      bytes = await readFileBounded(this.path, MAX_CONFIG_FILE_SIZE);
    } catch (error) {
      this.#report(error);
      return false;
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest === this.#digest) return false;
    let value: T;
    try {
      value = this.#options.parse(decodeText(bytes));
    } catch (error) {
      // Remember the bad content so the same broken file is reported once, not on every event.
      this.#digest = digest;
      this.#report(error);
      return false;
    }
    if (this.#closed) return false;
    this.#digest = digest;
    this.#value = value;
    this.#generation += 1;
    try {
      this.#options.onUpdate?.(value);
    } catch (error) {
      this.#report(error);
    }
    return true;
  }

  #report(error: unknown): void {
    if (this.#closed) return;
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.#options.onError?.(err);
    } catch {
      // A throwing error handler must not break the watcher.
    }
  }

  #startWatching(): void {
    const name = basename(this.path);
    try {
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, filename) => {
        // Any change in the directory may be ours (rename-replace, symlink swap): the digest check
        // makes a spurious re-read cheap. Other files' events are skipped when the name is known.
        if (filename !== null && filename !== name && !String(filename).startsWith('.')) return;
        this.#schedule();
      });
      this.#watcher.on('error', (error) => this.#report(error));
    } catch (error) {
      this.#report(error);
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.reload();
    }, this.#options.debounceMs ?? 100);
    this.#timer.unref();
  }
}
