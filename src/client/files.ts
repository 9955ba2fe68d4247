/** Bounded reading of the files the client is given (certificates, keys, archives, scenarios). */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ClientCertError } from '../errors.js';
import type { FileInput } from './types.js';

/** Certificates, keys and archives are small; anything bigger is a wrong file. */
export const MAX_CREDENTIAL_BYTES = 1024 * 1024;

/**
 * Reads a file of at most `maxBytes`. Failures are CONFIG_INVALID naming the file and `what` it was
 * meant to be, never its contents.
 */
export async function readBoundedFile(file: string, what: string, maxBytes: number): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ClientCertError('CONFIG_INVALID', `${what}: expected a file at ${file}, found a directory or special file`);
    size = info.size;
  } catch (error) {
    if (error instanceof ClientCertError) throw error;
    throw new ClientCertError('CONFIG_INVALID', `${what}: cannot read ${file} (${describeFsError(error)})`, { cause: error });
  }
  if (size > maxBytes) {
    throw new ClientCertError('CONFIG_INVALID', `${what}: ${file} is ${size} bytes, more than the ${maxBytes} allowed`);
  }
  try {
    const bytes = await readFile(file);
    if (bytes.length > maxBytes) throw new ClientCertError('CONFIG_INVALID', `${what}: ${file} grew beyond ${maxBytes} bytes while reading`);
    return bytes;
  } catch (error) {
    if (error instanceof ClientCertError) throw error;
    throw new ClientCertError('CONFIG_INVALID', `${what}: cannot read ${file} (${describeFsError(error)})`, { cause: error });
  }
}

/** True for a string that holds PEM text rather than a path. */
export function isPemText(value: string): boolean {
  return value.trimStart().startsWith('-----BEGIN ');
}

/** The bytes of a `FileInput`: PEM text and bytes as given, a path read (relative to `cwd`). */
export async function readInput(input: FileInput, cwd: string, what: string): Promise<Buffer> {
  if (typeof input !== 'string') {
    if (input.byteLength > MAX_CREDENTIAL_BYTES) {
      throw new ClientCertError('CONFIG_INVALID', `${what}: ${input.byteLength} bytes given, more than the ${MAX_CREDENTIAL_BYTES} allowed`);
    }
    return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }
  if (isPemText(input)) return Buffer.from(input, 'utf8');
  return readBoundedFile(path.resolve(cwd, input), what, MAX_CREDENTIAL_BYTES);
}

/** A short label for a `FileInput` (the file name, or a fallback for in-memory contents). */
export function inputLabel(input: FileInput, fallback: string): string {
  return typeof input === 'string' && !isPemText(input) ? path.basename(input) : fallback;
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
}
