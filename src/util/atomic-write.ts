/**
 * Atomic file replacement: write a temporary file next to the target, flush it, rename it over
 * the target. A reader (or a file watcher) sees the old content or the new, never half a file.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to `path` atomically; keeps the existing file's mode, else `mode` (default 0o644). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  let fileMode = mode;
  try {
    fileMode = (await stat(path)).mode & 0o777;
  } catch {
    // A new file: use the default mode.
  }
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', fileMode);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
