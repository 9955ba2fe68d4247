/**
 * Test certificates generated on the fly with the OpenSSL CLI, in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeySpec = 'rsa2048' | 'rsa-pss' | 'ec-p256' | 'ec-p384' | 'ec-p521' | 'ed25519' | 'ed448';

const NEWKEY: Record<KeySpec, string[]> = {
  rsa2048: ['-newkey', 'rsa:2048'],
  'rsa-pss': ['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_pss_keygen_md:sha256', '-pkeyopt', 'rsa_pss_keygen_mgf1_md:sha256', '-pkeyopt', 'rsa_pss_keygen_saltlen:32'],
  'ec-p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ec-p384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  'ec-p521': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-newkey', 'ed25519'],
  ed448: ['-newkey', 'ed448'],
};

export interface SelfSignedOptions {
  key: KeySpec;
  /** OpenSSL -subj syntax, e.g. "/CN=Test/O=Org"; "+" joins a multi-valued RDN. */
  subject: string;
  /** extension lines for the v3 section, e.g. "subjectAltName = DNS:a.example, IP:192.0.2.1". */
  extensions?: string[];
  /** Extra `openssl req` arguments (e.g. ["-sha384"], ["-sigopt", "rsa_padding_mode:pss"]). */
  args?: string[];
}

/** A self-signed certificate's DER. */
export function selfSigned(options: SelfSignedOptions): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'certgate-openssl-'));
  try {
    const config = [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = v3',
      'prompt = no',
      'string_mask = utf8only',
      '[dn]',
      '[v3]',
      ...(options.extensions ?? []),
      '[alt_dir]',
      'CN = Directory Name',
      'O = Example',
      '[policy_section]',
      'policyIdentifier = 1.3.6.1.4.1.99999.1',
      'CPS.1 = "https://example.com/cps"',
    ].join('\n');
    writeFileSync(join(dir, 'req.cnf'), `${config}\n`);
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-new', ...NEWKEY[options.key], '-nodes', '-keyout', join(dir, 'key.pem'),
        '-out', join(dir, 'cert.der'), '-outform', 'DER', '-days', '30', '-subj', options.subject,
        '-multivalue-rdn', '-config', join(dir, 'req.cnf'), ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return readFileSync(join(dir, 'cert.der'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
