import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPkcs12 } from '../../src/cert/pkcs12.js';
import { isClientCertError } from '../../src/errors.js';
import { writePkcs12 } from '../../src/harness/pkcs12.js';

// Interop in both directions with the OpenSSL 3 CLI. Key and certificates come from OpenSSL so that
// this file tests the archive format alone (the harness tests cover generated PKIs).
let dir: string;
let leafPem: string;
let caPem: string;
let keyPem: string;
const PASSWORD = 'correct horse battery staple';

function openssl(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}
function opensslResult(args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
function der(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}
function exportP12(name: string, extra: string[], password = PASSWORD): Uint8Array {
  openssl(['pkcs12', '-export', '-in', 'leaf.pem', '-inkey', 'leaf.key', '-certfile', 'ca.pem', '-name', 'client one', '-out', name, '-passout', 'env:P12PW', ...extra], { P12PW: password });
  return readFileSync(path.join(dir, name));
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (error) {
    return isClientCertError(error) ? error.code : `non-ClientCertError: ${String(error)}`;
  }
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'certgate-p12-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=TEST p12 CA', '-days', '3650', '-addext', 'basicConstraints=critical,CA:true']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=TEST p12 client']);
  openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-out', 'leaf.pem', '-days', '365', '-set_serial', '7']);
  leafPem = readFileSync(path.join(dir, 'leaf.pem'), 'utf8');
  caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  keyPem = readFileSync(path.join(dir, 'leaf.key'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectLeafAndChain(contents: ReturnType<typeof readPkcs12>): void {
  expect(contents.privateKey?.type).toBe('private');
  expect(Buffer.from(contents.certificate ?? []).equals(Buffer.from(der(leafPem)))).toBe(true);
  expect(contents.chain.map((c) => Buffer.from(c).toString('base64'))).toEqual([Buffer.from(der(caPem)).toString('base64')]);
  const expectedSpki = createPublicKey(keyPem).export({ format: 'der', type: 'spki' });
  expect(createPublicKey(contents.privateKey!).export({ format: 'der', type: 'spki' }).equals(expectedSpki)).toBe(true);
}

describe('readPkcs12 reads OpenSSL 3 exports', () => {
  it('modern default (PBES2 AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC)', () => {
    const contents = readPkcs12(exportP12('modern.p12', []), PASSWORD);
    expectLeafAndChain(contents);
    expect(contents.friendlyName).toBe('client one');
    expect(contents.integrity).toEqual({ mode: 'password-mac', algorithm: 'HMAC-SHA256', iterations: 2048 });
    expect(contents.encryption.join(';')).toMatch(/PBES2 PBKDF2-hmacWithSHA256 aes-256-cbc, 2048 iterations/);
  });

  it('-legacy (RC2-40 certificates, 3DES key, SHA-1 MAC)', () => {
    const contents = readPkcs12(exportP12('legacy.p12', ['-legacy']), PASSWORD);
    expectLeafAndChain(contents);
    expect(contents.integrity).toMatchObject({ mode: 'password-mac', algorithm: 'HMAC-SHA1' });
    expect(contents.encryption).toEqual(expect.arrayContaining(['pbeWithSHAAnd40BitRC2-CBC, 2048 iterations', 'pbeWithSHAAnd3-KeyTripleDES-CBC, 2048 iterations']));
  });

  it('legacy with 128-bit RC2 and RC4, and 3DES certificates', () => {
    for (const [certpbe, keypbe] of [
      ['PBE-SHA1-RC2-128', 'PBE-SHA1-RC4-128'],
      ['PBE-SHA1-3DES', 'PBE-SHA1-2DES'],
      ['PBE-SHA1-RC4-40', 'PBE-SHA1-RC2-40'],
    ] as const) {
      const contents = readPkcs12(exportP12(`${certpbe}.p12`, ['-legacy', '-certpbe', certpbe, '-keypbe', keypbe]), PASSWORD);
      expectLeafAndChain(contents);
    }
  });

  it('unencrypted bags (-keypbe NONE -certpbe NONE) and no MAC', () => {
    const contents = readPkcs12(exportP12('plain.p12', ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']), PASSWORD);
    expectLeafAndChain(contents);
    expect(contents.integrity).toEqual({ mode: 'none' });
  });

  it('a non-ASCII password and an empty password', () => {
    expectLeafAndChain(readPkcs12(exportP12('utf8.p12', [], 'pässwörd-✓'), 'pässwörd-✓'));
    expectLeafAndChain(readPkcs12(exportP12('empty.p12', [], ''), ''));
    expect(codeOf(() => readPkcs12(readFileSync(path.join(dir, 'utf8.p12')), 'passwort'))).toBe('PKCS12_BAD_PASSWORD');
  });

  it('a wrong password is PKCS12_BAD_PASSWORD, modern and legacy', () => {
    expect(codeOf(() => readPkcs12(readFileSync(path.join(dir, 'modern.p12')), 'wrong'))).toBe('PKCS12_BAD_PASSWORD');
    expect(codeOf(() => readPkcs12(readFileSync(path.join(dir, 'legacy.p12')), 'wrong'))).toBe('PKCS12_BAD_PASSWORD');
    expect(codeOf(() => readPkcs12(readFileSync(path.join(dir, 'modern.p12')), ''))).toBe('PKCS12_BAD_PASSWORD');
  });

  it('without a MAC a wrong password is still PKCS12_BAD_PASSWORD, not garbage', () => {
    const bytes = exportP12('nomac.p12', ['-nomac']);
    expect(codeOf(() => readPkcs12(bytes, 'wrong'))).toBe('PKCS12_BAD_PASSWORD');
  });

  it('the error message never contains the password', () => {
    try {
      readPkcs12(readFileSync(path.join(dir, 'modern.p12')), 'hunter2-secret');
      expect.unreachable();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2');
    }
  });
});

describe('writePkcs12 output opens elsewhere', () => {
  let ours: Uint8Array;
  beforeAll(async () => {
    ours = await writePkcs12({ privateKey: createPrivateKey(keyPem), certificate: der(leafPem), chain: [der(caPem)], password: PASSWORD, friendlyName: 'client one', iterations: 20_000 });
    writeFileSync(path.join(dir, 'ours.p12'), ours);
  });

  it('openssl pkcs12 -info (OpenSSL 3) opens it: AES-256-CBC, PBKDF2 hmacWithSHA256, SHA-256 MAC', () => {
    const { status, out } = opensslResult(['pkcs12', '-info', '-noout', '-in', 'ours.p12', '-passin', 'env:P12PW'], { P12PW: PASSWORD });
    expect(status, out).toBe(0);
    expect(out).toContain('MAC: sha256, Iteration 20000');
    expect(out).toContain('PBES2, PBKDF2, AES-256-CBC, Iteration 20000, PRF hmacWithSHA256');
    expect(out).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
    const wrong = opensslResult(['pkcs12', '-info', '-noout', '-in', 'ours.p12', '-passin', 'env:P12PW'], { P12PW: 'wrong' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.out).toMatch(/mac verify (error|failure)/i);
  });

  it('openssl extracts the same key and certificates', () => {
    const out = openssl(['pkcs12', '-in', 'ours.p12', '-passin', 'env:P12PW', '-nodes'], { P12PW: PASSWORD });
    expect(out).toContain('friendlyName: client one');
    const certs = out.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    expect(certs.map((c) => new X509Certificate(c).fingerprint256)).toEqual([new X509Certificate(leafPem).fingerprint256, new X509Certificate(caPem).fingerprint256]);
    const key = out.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0] ?? '';
    expect(createPrivateKey(key).export({ format: 'der', type: 'pkcs8' }).equals(createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' }))).toBe(true);
  });

  it("Node's tls.createSecureContext loads it with the passphrase, and refuses a wrong one", () => {
    expect(() => tls.createSecureContext({ pfx: Buffer.from(ours), passphrase: PASSWORD })).not.toThrow();
    expect(() => tls.createSecureContext({ pfx: Buffer.from(ours), passphrase: 'wrong' })).toThrow(/mac verify failure/i);
  });

  it('our reader reads it back', () => {
    const contents = readPkcs12(ours, PASSWORD);
    expectLeafAndChain(contents);
    expect(contents.friendlyName).toBe('client one');
    expect(contents.integrity).toEqual({ mode: 'password-mac', algorithm: 'HMAC-SHA256', iterations: 20_000 });
  });

  it('a non-ASCII password works with OpenSSL and Node', async () => {
    const bytes = await writePkcs12({ privateKey: createPrivateKey(keyPem), certificate: der(leafPem), password: 'Grüße-✓', iterations: 2000 });
    writeFileSync(path.join(dir, 'ours-utf8.p12'), bytes);
    expect(opensslResult(['pkcs12', '-info', '-noout', '-in', 'ours-utf8.p12', '-passin', 'env:P12PW'], { P12PW: 'Grüße-✓' }).status).toBe(0);
    expect(() => tls.createSecureContext({ pfx: Buffer.from(bytes), passphrase: 'Grüße-✓' })).not.toThrow();
    expect(readPkcs12(bytes, 'Grüße-✓').chain).toEqual([]);
  });

  it('rejects bad options with TypeError', async () => {
    await expect(writePkcs12({ privateKey: createPrivateKey(keyPem), certificate: der(leafPem), password: '' })).rejects.toThrow(TypeError);
    await expect(writePkcs12({ privateKey: createPrivateKey(keyPem), certificate: der(leafPem), password: 'x', iterations: 10 })).rejects.toThrow(/iterations/);
    await expect(writePkcs12({ privateKey: createPublicKey(keyPem) as never, certificate: der(leafPem), password: 'x' })).rejects.toThrow(/private/);
  });
});

describe('readPkcs12 on hostile input', () => {
  it('garbage, truncation, wrong formats and empty input are PKCS12_MALFORMED', () => {
    const modern = readFileSync(path.join(dir, 'modern.p12'));
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['one byte', Uint8Array.of(0x30)],
      ['random', Uint8Array.from({ length: 512 }, (_, i) => (i * 131 + 7) & 0xff)],
      ['truncated', modern.subarray(0, modern.length - 40)],
      ['half', modern.subarray(0, modern.length >> 1)],
      ['trailing bytes', Buffer.concat([modern, Buffer.from([0, 0])])],
      ['a certificate', der(leafPem)],
      ['a PEM file', Buffer.from(leafPem)],
      ['deep nesting', Buffer.from('30800'.repeat(1) + '3080'.repeat(500), 'hex')],
    ];
    for (const [name, bytes] of cases) expect(codeOf(() => readPkcs12(bytes, PASSWORD)), name).toBe('PKCS12_MALFORMED');
  });

  it('an oversized file is refused before parsing', () => {
    expect(codeOf(() => readPkcs12(new Uint8Array(2 * 1024 * 1024), PASSWORD))).toBe('PKCS12_MALFORMED');
    expect(codeOf(() => readPkcs12(readFileSync(path.join(dir, 'modern.p12')), PASSWORD, { maxBytes: 100 }))).toBe('PKCS12_MALFORMED');
  });

  it('iteration counts above the limits are refused (bounded work)', () => {
    const ours = readFileSync(path.join(dir, 'ours.p12')); // 20,000 iterations
    expect(codeOf(() => readPkcs12(ours, PASSWORD, { maxIterations: 10_000 }))).toBe('PKCS12_MALFORMED');
    expect(codeOf(() => readPkcs12(ours, PASSWORD, { maxTotalIterations: 50_000 }))).toBe('PKCS12_MALFORMED');
    expect(codeOf(() => readPkcs12(ours, PASSWORD, { maxTotalIterations: 60_000 }))).toBe('no error');
  });

  it('every single-byte corruption of a cheap archive ends in a ClientCertError or a correct read', () => {
    const cheap = exportP12('cheap.p12', ['-iter', '1', '-nomaciter']);
    const outcomes = new Set<string>();
    for (let i = 0; i < cheap.length; i += 3) {
      const copy = Uint8Array.from(cheap);
      copy[i] = copy[i]! ^ 0x5a;
      const code = codeOf(() => readPkcs12(copy, PASSWORD));
      outcomes.add(code);
      expect(code, `byte ${i}`).toMatch(/^(PKCS12_MALFORMED|PKCS12_BAD_PASSWORD|no error)$/);
    }
    expect(outcomes.has('PKCS12_MALFORMED')).toBe(true);
    expect(outcomes.has('PKCS12_BAD_PASSWORD')).toBe(true);
  });

  it('argument types are checked', () => {
    expect(() => readPkcs12('not bytes' as never, PASSWORD)).toThrow(TypeError);
    expect(() => readPkcs12(new Uint8Array(4), undefined as never)).toThrow(TypeError);
  });
});
