import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { certificate, extension, name, seq, tlv, utf8 } from '../helpers/der.js';
import { parseCertificate } from '../../src/cert/parse.js';

const root = new URL('../../', import.meta.url).pathname;
const leafPem = readFileSync(join(root, 'fixtures/reference/uptrends-2024.pem'), 'utf8');
const chain = ['uptrends-2024.pem', 'sectigo-rsa-client-auth-ca.pem', 'usertrust-rsa-root.pem'].map((f) =>
  readFileSync(join(root, 'fixtures/reference', f), 'utf8'),
);
const dir = mkdtempSync(join(tmpdir(), 'certgate-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(argv, { stdout, stderr, env: {}, cwd: dir });
  return { code, stdout: out, stderr: err };
}

describe('certgate inspect', () => {
  writeFileSync(join(dir, 'chain.pem'), chain.join('\nsome text between\n'));
  writeFileSync(join(dir, 'leaf.der'), Buffer.from(leafPem.split('\n').slice(1, -2).join(''), 'base64'));
  writeFileSync(join(dir, 'page.txt'), readFileSync(join(root, 'fixtures/seeds/uptrends-public-key-page.txt')));
  writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjSECRET\n-----END PRIVATE KEY-----\n');
  writeFileSync(join(dir, 'garbage.bin'), Buffer.from([0x30, 0x82, 0xff, 0xff, 1, 2, 3]));

  it('prints the human table of every certificate in a bundle', async () => {
    const { code, stdout, stderr } = await cli('inspect', 'chain.pem');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('chain.pem: certificate 1 of 3\n');
    expect(stdout).toContain('chain.pem: certificate 3 of 3\n');
    expect(stdout).toMatch(/Subject +emailAddress=certificates@uptrends\.com\n/);
    expect(stdout).toMatch(/Serial +1A223E5481B066DFDA30E5F35CDB3A81\n/);
    expect(stdout).toMatch(/Not after +2025-07-26T23:59:59Z\n/);
    expect(stdout).toMatch(/Public key +RSA 4096\n/);
    expect(stdout).toMatch(/Signature +sha256WithRSAEncryption\n/);
    expect(stdout).toMatch(/Subject alt names +email:certificates@uptrends\.com\n/);
    expect(stdout).toMatch(/Extended key usage +emailProtection \(1\.3\.6\.1\.5\.5\.7\.3\.4\)\n +clientAuth \(1\.3\.6\.1\.5\.5\.7\.3\.2\)\n/);
    expect(stdout).toMatch(/Key usage \(critical\) +digitalSignature, keyEncipherment\n/);
    expect(stdout).toMatch(/Basic constraints \(critical\) +CA:FALSE\n/);
    expect(stdout).toMatch(/Basic constraints \(critical\) +CA:TRUE, pathlen:0\n/);
    expect(stdout).toMatch(/Authority key id +09:C0:F2:FC:0B:DA:94:DB:5F:FE:2B:DF:A8:99:42:CF:C9:E0:AD:00\n/);
    expect(stdout).toMatch(/OCSP +http:\/\/ocsp\.sectigo\.com\n/);
    expect(stdout).toMatch(/CRL distribution +http:\/\/crl\.sectigo\.com\/SectigoRSAClientAuthenticationandSecureEmailCA\.crl\n/);
    expect(stdout).toMatch(/SHA-256 +F9:A9:2A:6D/);
    expect(stdout).toMatch(/SPKI SHA-256 \(hex\) +572158c899011b986e3432ea2975151f0b19770c9c44228987ab86929f25e7c4\n/);
    expect(stdout).toMatch(/SPKI SHA-256 \(base64\) +VyFYyJkBG5huNDLqKXUVHwsZdwycRCKJh6uGkp8l58Q=\n/);
  });

  it('--json prints one toJSON() object per certificate, across files', async () => {
    const { code, stdout } = await cli('inspect', '--json', 'leaf.der', 'page.txt', 'chain.pem');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { serialNumber: string; sha256: string; spkiSha256Base64: string }[];
    expect(parsed).toHaveLength(5);
    expect(parsed[0]?.sha256).toBe('F9A92A6DC75AE381D12DE7C7CB3E02BD87CB4690DA736E26674F57BE4B3B44A1');
    expect(parsed[1]?.sha256).toBe(parsed[0]?.sha256);
    expect(parsed.map((p) => p.serialNumber).slice(2)).toEqual([
      '1A223E5481B066DFDA30E5F35CDB3A81', '4D942C10D43BE09409C5812D3A2B064F', '01FD6D30FCA3CA51A81BBC640E35032D',
    ]);
  });

  it('exit 2 with the code on stderr: missing file, not certificates, private key only, malformed DER', async () => {
    const missing = await cli('inspect', 'missing.pem');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('certgate inspect: CONFIG_INVALID: cannot read certificate file "missing.pem": no such file\n');
    const key = await cli('inspect', 'key.pem');
    expect(key.code).toBe(2);
    expect(key.stderr).toBe('certgate inspect: CERT_MALFORMED: key.pem: no certificate found: expected a CERTIFICATE PEM block, found PRIVATE KEY\n');
    expect(key.stderr).not.toContain('SECRET');
    const garbage = await cli('inspect', 'garbage.bin');
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/^certgate inspect: CERT_MALFORMED: garbage\.bin: DER input: certificate at offset 0 declares 65539 bytes, over the limit of 65536\n$/);
    const directory = await cli('inspect', '.');
    expect(directory.code).toBe(2);
    expect(directory.stderr).toMatch(/CONFIG_INVALID: cannot read certificate file "\.": it is a directory/);
    expect(missing.stdout + key.stdout + garbage.stdout).toBe('');
  });

  it('never writes control characters from a certificate to the terminal', async () => {
    const spki = parseCertificate(leafPem).publicKey.spkiDer;
    const der = certificate({
      spki,
      subject: name([['2.5.4.3', utf8('line1\nline2\u001b[2J')]]),
      extensions: [extension('2.5.29.17', seq(tlv(0x82, Buffer.from('evil\u001b[31m.example', 'latin1'))))],
    });
    writeFileSync(join(dir, 'evil.der'), der);
    const { code, stdout } = await cli('inspect', 'evil.der');
    expect(code).toBe(0);
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toMatch(/Subject +CN=line1\\0Aline2\\1B\[2J\n/);
    expect(stdout).toMatch(/Subject alt names +dns:evil\\u001b\[31m\.example\n/);
  });

  it('exit 2 on usage errors', async () => {
    expect((await cli('inspect')).code).toBe(2);
    const unknown = await cli('inspect', '--bogus', 'chain.pem');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--bogus/);
    const help = await cli('inspect', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: certgate inspect FILE\.\.\. \[--json\]/);
  });

  it('runs as the built binary', async () => {
    const run = promisify(execFile);
    const ok = await run(process.execPath, [join(root, 'dist/cli/main.js'), 'inspect', '--json', join(dir, 'chain.pem')]);
    expect((JSON.parse(ok.stdout) as unknown[]).length).toBe(3);
    const failed = await run(process.execPath, [join(root, 'dist/cli/main.js'), 'inspect', join(dir, 'key.pem')]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/CERT_MALFORMED/);
  });
});
