import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { ClientCertError } from '../../src/errors.js';
import { parseCertificates, readCertificatesFile } from '../../src/cert/parse.js';
import { MAX_INPUT_SIZE } from '../../src/cert/input.js';

const dir = mkdtempSync(join(tmpdir(), 'certgate-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const leafPem = readFileSync(new URL('../../fixtures/reference/uptrends-2024.pem', import.meta.url), 'utf8');

async function failure(path: string): Promise<ClientCertError> {
  const error: unknown = await readCertificatesFile(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientCertError);
  return error as ClientCertError;
}

describe('readCertificatesFile', () => {
  it('reads PEM and DER files', async () => {
    writeFileSync(join(dir, 'a.pem'), leafPem);
    writeFileSync(join(dir, 'a.der'), Buffer.from(leafPem.split('\n').slice(1, -2).join(''), 'base64'));
    const [pem] = await readCertificatesFile(join(dir, 'a.pem'));
    const [der] = await readCertificatesFile(join(dir, 'a.der'));
    expect(pem?.serialNumber).toBe('1A223E5481B066DFDA30E5F35CDB3A81');
    expect(der).toBe(pem);
  });

  it('unreadable files are CONFIG_INVALID with the system error as cause', async () => {
    const missing = await failure(join(dir, 'missing.pem'));
    expect(missing.code).toBe('CONFIG_INVALID');
    expect(missing.message).toBe(`cannot read certificate file "${join(dir, 'missing.pem')}": no such file`);
    expect((missing.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const directory = await failure(dir);
    expect(directory.code).toBe('CONFIG_INVALID');
    expect(directory.message).toMatch(/it is a directory$/);
  });

  it('files over 1 MiB are refused after reading at most 1 MiB + 1 byte (devices too)', async () => {
    writeFileSync(join(dir, 'big.pem'), Buffer.alloc(MAX_INPUT_SIZE + 10, 0x41));
    const big = await failure(join(dir, 'big.pem'));
    expect(big.code).toBe('CONFIG_INVALID');
    expect(big.message).toMatch(/is larger than the limit of 1048576 bytes/);
    const zero = await failure('/dev/zero');
    expect(zero.code).toBe('CONFIG_INVALID');
  });

  it('content that is not certificates is CERT_MALFORMED, prefixed with the path', async () => {
    writeFileSync(join(dir, 'empty.pem'), '');
    const empty = await failure(join(dir, 'empty.pem'));
    expect(empty.code).toBe('CERT_MALFORMED');
    expect(empty.message).toBe(`${join(dir, 'empty.pem')}: no certificate found: the input is empty`);
  });
});

describe('neighbouring formats are named, not only refused', () => {
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=x', '-days', '1');
  openssl('pkcs12', '-export', '-in', 'c.pem', '-inkey', 'k.pem', '-out', 'a.p12', '-passout', 'pass:secret');
  openssl('pkcs8', '-topk8', '-nocrypt', '-in', 'k.pem', '-outform', 'DER', '-out', 'k8.der');
  openssl('ec', '-in', 'k.pem', '-outform', 'DER', '-out', 'ec.der');
  openssl('crl2pkcs7', '-nocrl', '-certfile', 'c.pem', '-outform', 'DER', '-out', 'b.p7b');

  it.each([
    ['a.p12', /the bytes are a PKCS#12 archive \(\.p12\/\.pfx\), not a certificate \(expected SEQUENCE/],
    ['k8.der', /the bytes are a private key, not a certificate/],
    ['ec.der', /the bytes are an EC private key, not a certificate/],
    ['b.p7b', /the bytes are a PKCS#7\/CMS bundle \(\.p7b\), not a certificate; convert it with `openssl pkcs7 -print_certs`/],
  ])('%s', (file, pattern) => {
    expect(() => parseCertificates(readFileSync(join(dir, file)))).toThrow(pattern);
  });

  it('a PEM private key next to nothing else is named by its label, its body never decoded', () => {
    expect(() => parseCertificates(readFileSync(join(dir, 'k.pem')))).toThrow(/expected a CERTIFICATE PEM block, found PRIVATE KEY$/);
  });
});
