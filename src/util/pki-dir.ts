/**
 * Where the test PKI lives, shared by its writer (src/harness, `certgate pki init`) and its
 * readers (src/client, the demo), which are separate layers.
 */
import path from 'node:path';

/** Default test PKI directory, relative to the working directory. */
export const DEFAULT_PKI_DIR = path.join('.certgate', 'pki');
/** Environment variable that overrides the default test PKI directory. */
export const PKI_DIR_ENV = 'CERTGATE_PKI';

/** The test PKI directory: `dir` if given, else `$CERTGATE_PKI`, else `.certgate/pki`; relative to `cwd`. */
export function resolvePkiDir(options: { readonly dir?: string | undefined; readonly env?: Readonly<Record<string, string | undefined>> | undefined; readonly cwd: string }): string {
  const fromEnv = options.env?.[PKI_DIR_ENV];
  return path.resolve(options.cwd, options.dir ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_PKI_DIR));
}
