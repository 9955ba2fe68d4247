/**
 * A test PKI whose certificates point at a live harness revocation responder on 127.0.0.1:0,
 * generated for the wall-clock now (the responder signs with the current time).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCertificate } from '../../src/cert/parse.js';
import type { CertificateModel } from '../../src/cert/types.js';
import { generateTestPki, type TestPki } from '../../src/harness/pki.js';
import { startRevocationResponder, type RevocationResponder } from '../../src/harness/revocation.js';

export interface RevocationFixture {
  readonly pki: TestPki;
  readonly responder: RevocationResponder;
  readonly root: CertificateModel;
  readonly intermediate: CertificateModel;
  /** Leaf, intermediate, root of a zoo or client entry. */
  path(entryId: string): CertificateModel[];
  close(): Promise<void>;
}

export async function revocationFixture(options: { slowMs?: number; validitySeconds?: number } = {}): Promise<RevocationFixture> {
  const responder = await startRevocationResponder({ slowMs: options.slowMs ?? 1500, ...(options.validitySeconds === undefined ? {} : { validitySeconds: options.validitySeconds }) });
  const tmp = mkdtempSync(path.join(tmpdir(), 'certgate-revocation-'));
  try {
    cpSync('fixtures/pki/keys', tmp, { recursive: true });
    const pki = await generateTestPki({ keyCacheDir: tmp, revocationBaseUrl: responder.url, p12Iterations: 1000 });
    responder.load(pki);
    const root = parseCertificate(pki.text(pki.authority('uptrends-root').cert));
    const intermediate = parseCertificate(pki.text(pki.authority('uptrends-intermediate').cert));
    return {
      pki,
      responder,
      root,
      intermediate,
      path: (id) => [parseCertificate(pki.entry(id).certPem), intermediate, root],
      close: () => responder.close(),
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
