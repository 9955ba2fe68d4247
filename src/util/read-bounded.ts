/**
 * Reading a whole file with a size bound, so that a device, a FIFO or a huge file named in a
 * configuration cannot exhaust memory. One implementation for every reader (certificate files,
 * pin and identities files).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** A file that could not be read: `reason` is short and path-free; `tooLarge` when the bound was hit. */
export class FileReadError extends Error {
  override readonly name: string = 'FileReadError';
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly tooLarge: boolean,
    options?: { cause?: unknown },
  ) {
    super(`cannot read "${path}": ${reason}`, options);
  }
}

/** A short reason for a file system error: "no such file", "it is a directory", ... */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

function tooLarge(path: string, max: number): FileReadError {
  return new FileReadError(path, `larger than the limit of ${max} bytes`, true);
}

function wrap(path: string, error: unknown): FileReadError {
  return error instanceof FileReadError ? error : new FileReadError(path, describeFsError(error), false, { cause: error });
}

/** The file's bytes; at most `max` bytes are accepted. @throws FileReadError */
export function readFileBoundedSync(path: string, max: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw wrap(path, error);
  }
  try {
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) return buffer.subarray(0, length);
      length += n;
      if (length > max) throw tooLarge(path, max);
    }
  } catch (error) {
    throw wrap(path, error);
  } finally {
    closeSync(fd);
  }
}

/** The file's bytes; at most `max` bytes are accepted. @throws FileReadError */
export async function readFileBounded(path: string, max: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw wrap(path, error);
  }
  try {
    const buffer = Buffer.alloc(max + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
      if (length > max) throw tooLarge(path, max);
    }
  } catch (error) {
    throw wrap(path, error);
  } finally {
    await handle.close();
  }
}
