/**
 * Reads the test PKI manifest written by the harness (`certgate pki init`): where the Uptrends
 * stand-in and the other generated certificates live. The client only reads the JSON file, so it
 * does not depend on the harness code.
 */
import path from 'node:path';
import { ClientCertError } from '../errors.js';
import { readBoundedFile } from './files.js';

import { PKI_DIR_ENV } from '../util/pki-dir.js';

export { DEFAULT_PKI_DIR, PKI_DIR_ENV, resolvePkiDir } from '../util/pki-dir.js';
/** Manifest id of the Uptrends stand-in certificate. */
export const UPTRENDS_STANDIN_ID = 'uptrends-standin';

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** One certificate of the test PKI, with absolute paths. */
export interface PkiManifestEntry {
  readonly id: string;
  readonly description: string;
  readonly cert: string;
  readonly key: string | undefined;
  /** Intermediates to send after the leaf, in order. */
  readonly chain: readonly string[];
  readonly p12: string | undefined;
  readonly p12PasswordEnv: string | undefined;
}


/** Reads `<pkiDir>/manifest.json` and returns the entry `id`, with paths made absolute. */
export async function readManifestEntry(pkiDir: string, id: string): Promise<PkiManifestEntry> {
  const { manifest, file } = await readManifest(pkiDir);
  const entries = Array.isArray(manifest['entries']) ? (manifest['entries'] as unknown[]) : undefined;
  if (entries === undefined) {
    throw new ClientCertError('CONFIG_INVALID', `the test PKI manifest ${file} has no "entries" array`);
  }
  const raw: unknown = entries.find((entry: unknown) => isRecord(entry) && entry['id'] === id);
  if (!isRecord(raw)) {
    const known = entries.flatMap((entry: unknown) => (isRecord(entry) && typeof entry['id'] === 'string' ? [entry['id']] : []));
    throw new ClientCertError('CONFIG_INVALID', `the test PKI manifest ${file} has no entry "${id}" (it has ${known.length} entries${known.length > 0 ? `: ${known.slice(0, 8).join(', ')}${known.length > 8 ? ', ...' : ''}` : ''})`);
  }
  const base = path.dirname(file);
  const where = `entry "${id}" of ${file}`;
  const cert = optionalString(raw, 'cert', where);
  if (cert === undefined) throw new ClientCertError('CONFIG_INVALID', `${where}: expected "cert" (a path), found none`);
  const chainRaw = raw['chain'] ?? [];
  if (!Array.isArray(chainRaw) || !chainRaw.every((item): item is string => typeof item === 'string')) {
    throw new ClientCertError('CONFIG_INVALID', `${where}: expected "chain" to be an array of paths`);
  }
  const key = optionalString(raw, 'key', where);
  const p12 = optionalString(raw, 'p12', where);
  return {
    id,
    description: optionalString(raw, 'description', where) ?? '',
    cert: path.resolve(base, cert),
    key: key === undefined ? undefined : path.resolve(base, key),
    chain: chainRaw.map((item) => path.resolve(base, item)),
    p12: p12 === undefined ? undefined : path.resolve(base, p12),
    p12PasswordEnv: optionalString(raw, 'p12PasswordEnv', where),
  };
}

/** The CA file clients trust for the test PKI's own TLS server (`server.ca` of the manifest), absolute. */
export async function readManifestServerCa(pkiDir: string): Promise<string> {
  const { manifest, file } = await readManifest(pkiDir);
  const server = manifest['server'];
  const ca = isRecord(server) ? optionalString(server, 'ca', `"server" of ${file}`) : undefined;
  if (ca === undefined) throw new ClientCertError('CONFIG_INVALID', `the test PKI manifest ${file} names no server CA ("server.ca")`);
  return path.resolve(path.dirname(file), ca);
}

async function readManifest(pkiDir: string): Promise<{ manifest: Record<string, unknown>; file: string }> {
  const file = path.join(pkiDir, 'manifest.json');
  let bytes: Buffer;
  try {
    bytes = await readBoundedFile(file, 'test PKI manifest', MAX_MANIFEST_BYTES);
  } catch (error) {
    throw new ClientCertError(
      'CONFIG_INVALID',
      `the test PKI manifest ${file} is not readable (${error instanceof Error ? error.message : String(error)}); ` +
        `generate the test PKI with \`certgate pki init --out ${pkiDir}\` (or \`npm run demo\`), or point --pki / ${PKI_DIR_ENV} at it`,
      { cause: error },
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ClientCertError('CONFIG_INVALID', `the test PKI manifest ${file} is not valid JSON`, { cause: error });
  }
  if (!isRecord(manifest)) throw new ClientCertError('CONFIG_INVALID', `the test PKI manifest ${file}: expected a JSON object`);
  return { manifest, file };
}

function optionalString(record: Record<string, unknown>, field: string, where: string): string | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ClientCertError('CONFIG_INVALID', `${where}: expected "${field}" to be a string, found ${typeof value}`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
