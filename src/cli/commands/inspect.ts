/**
 * `certgate inspect FILE... [--json]`: print the certificate model of every certificate in the
 * files (PEM, DER, base64, URL-escaped: whatever parseCertificates accepts).
 */
import { resolve } from 'node:path';
import { keyUsageNames, generalNameToJson, type Certificate } from '../../cert/certificate.js';
import { EKU_NAMES } from '../../cert/oids.js';
import { ClientCertError, isClientCertError } from '../../errors.js';
import { readCertificatesFile } from '../../cert/parse.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';
import { styleFor, type Style } from '../style.js';

const help = `Usage: certgate inspect FILE... [--json]

Prints what certgate reads from each certificate in FILE: subject, issuer, serial, validity, key,
signature algorithm, subject alternative names, key usages, basic constraints, key identifiers,
CRL and AIA URLs, SHA-256 fingerprint and SPKI SHA-256 pin (hex and base64).

FILE may hold PEM (one or several certificates, any surrounding text), DER, base64 DER or a
URL-escaped PEM as proxies forward it. Private-key blocks in the file are skipped unread.

Options:
  --json      print a JSON array with one object per certificate (Certificate#toJSON)
  -h, --help  show this help

Exit status: 0 when every file was read; 2 when a file is unreadable or not certificates
(the error code and message go to stderr).

Examples:
  certgate inspect fixtures/reference/uptrends-2024.pem
  certgate inspect chain.pem --json | jq '.[].spkiSha256Base64'
`;

const inspect: Command = {
  summary: 'print the parsed fields of the certificates in a file',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args: [...argv],
      options: { json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (positionals.length === 0) throw new UsageError('expected at least one FILE');
    const files: { path: string; certificates: Certificate[] }[] = [];
    for (const path of positionals) {
      const absolute = resolve(io.cwd, path);
      try {
        files.push({ path, certificates: await readCertificatesFile(absolute) });
      } catch (error) {
        // Report the path as the user wrote it.
        if (isClientCertError(error)) throw new ClientCertError(error.code, error.message.replaceAll(absolute, path), { cause: error });
        throw error;
      }
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(files.flatMap((f) => f.certificates.map((c) => c.toJSON())), null, 2)}\n`);
      return EXIT.OK;
    }
    const blocks: string[] = [];
    const style = styleFor(io.stdout, io.env);
    for (const { path, certificates } of files) {
      certificates.forEach((cert, i) => {
        blocks.push(`${style.bold(`${path}: certificate ${i + 1} of ${certificates.length}`)}\n${table(describe(cert), style)}`);
      });
    }
    io.stdout.write(`${blocks.join('\n')}`);
    return EXIT.OK;
  },
};

export default inspect;

/** Rows of label and value (several values become several lines). */
function describe(cert: Certificate): [string, string | readonly string[]][] {
  const rows: [string, string | readonly string[]][] = [];
  const critical = (oid: string): string => (cert.getExtension(oid)?.critical === true ? ' (critical)' : '');
  rows.push(['Subject', cert.subject.toString() || '(empty)']);
  rows.push(['Issuer', cert.issuer.toString() || '(empty)']);
  rows.push(['Serial', cert.serialNumber]);
  rows.push(['Version', String(cert.version)]);
  rows.push(['Not before', isoSeconds(cert.notBefore)]);
  rows.push(['Not after', isoSeconds(cert.notAfter)]);
  const key = cert.publicKey;
  rows.push(['Public key', `${key.type}${key.bits > 0 ? ` ${key.bits}` : ''}${key.curve === undefined ? '' : ` (${key.curve})`}${key.type === 'unknown' ? ` ${key.algorithmOid}` : ''}`]);
  const sig = cert.signatureAlgorithm;
  rows.push(['Signature', sig.pss === undefined ? sig.name : `${sig.name} (${sig.pss.hash}, MGF1 ${sig.pss.mgf1Hash}, salt ${sig.pss.saltLength})`]);
  if (cert.subjectAltNames !== undefined) {
    rows.push([`Subject alt names${critical('2.5.29.17')}`, cert.subjectAltNames.length === 0 ? '(empty)' : cert.subjectAltNames.map((n) => {
      const j = generalNameToJson(n);
      return `${j.type}:${j.value}`;
    })]);
  }
  if (cert.keyUsage !== undefined) rows.push([`Key usage${critical('2.5.29.15')}`, keyUsageNames(cert.keyUsage).join(', ') || '(none)']);
  if (cert.extKeyUsage !== undefined) {
    rows.push([`Extended key usage${critical('2.5.29.37')}`, cert.extKeyUsage.map((oid) => (EKU_NAMES[oid] === undefined ? oid : `${EKU_NAMES[oid]} (${oid})`))]);
  }
  if (cert.basicConstraints !== undefined) {
    const bc = cert.basicConstraints;
    rows.push([`Basic constraints${critical('2.5.29.19')}`, `CA:${bc.ca ? 'TRUE' : 'FALSE'}${bc.pathLen === undefined ? '' : `, pathlen:${bc.pathLen}`}`]);
  }
  if (cert.nameConstraints !== undefined) {
    const json = cert.toJSON().nameConstraints as { permitted?: { type: string; value: string }[]; excluded?: { type: string; value: string }[] };
    rows.push([`Name constraints${critical('2.5.29.30')}`, [
      ...(json.permitted ?? []).map((n) => `permitted ${n.type}:${n.value}`),
      ...(json.excluded ?? []).map((n) => `excluded ${n.type}:${n.value}`),
    ]]);
  }
  if (cert.authorityKeyId !== undefined) rows.push(['Authority key id', colons(cert.authorityKeyId)]);
  if (cert.subjectKeyId !== undefined) rows.push(['Subject key id', colons(cert.subjectKeyId)]);
  if (cert.policies !== undefined) rows.push(['Policies', cert.policies]);
  if (cert.crlDistributionPoints.length > 0) rows.push(['CRL distribution', cert.crlDistributionPoints]);
  if (cert.ocspUrls.length > 0) rows.push(['OCSP', cert.ocspUrls]);
  if (cert.caIssuersUrls.length > 0) rows.push(['CA issuers', cert.caIssuersUrls]);
  const others = cert.extensions.filter((e) => !KNOWN_SHOWN.has(e.oid));
  if (others.length > 0) rows.push(['Other extensions', others.map((e) => `${e.oid}${e.critical ? ' (critical)' : ''}`)]);
  rows.push(['SHA-256', colons(cert.sha256)]);
  rows.push(['SPKI SHA-256 (hex)', cert.spkiSha256Hex]);
  rows.push(['SPKI SHA-256 (base64)', cert.spkiSha256Base64]);
  return rows;
}

const KNOWN_SHOWN = new Set([
  '2.5.29.17', '2.5.29.15', '2.5.29.37', '2.5.29.19', '2.5.29.30', '2.5.29.35', '2.5.29.14', '2.5.29.32', '2.5.29.31', '1.3.6.1.5.5.7.1.1',
]);

function table(rows: [string, string | readonly string[]][], style: Style): string {
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  let out = '';
  for (const [label, value] of rows) {
    const lines = typeof value === 'string' ? [value] : value.length === 0 ? ['(none)'] : value;
    lines.forEach((line, i) => {
      out += `  ${i === 0 ? style.dim(label) : ''}${' '.repeat(width - (i === 0 ? label.length : 0))}${terminalSafe(line)}\n`;
    });
  }
  return out;
}

/** Certificate strings are attacker-chosen: show control and bidi characters as \u escapes, never raw. */
function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function colons(hex: string): string {
  return (hex.match(/../g) ?? []).join(':');
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}
