/**
 * `certgate revocation check`: ask every revocation source of a certificate (the OCSP responder of
 * its AIA, the CRL of each http(s) distribution point, CRL files) and print what each says.
 */
import { resolve } from 'node:path';
import type { Certificate } from '../../cert/certificate.js';
import { parseCertificates, readCertificatesFile } from '../../cert/parse.js';
import type { CertificateModel } from '../../cert/types.js';
import { ClientCertError, isClientCertError } from '../../errors.js';
import { fetchWithLimits } from '../../util/http-fetch.js';
import { verifySignedData } from '../../verify/algorithms.js';
import { RevocationService, type RevocationSourceStatus } from '../../verify/revocation/checker.js';
import { REVOCATION_DEFAULTS } from '../../verify/revocation/policy.js';
import { firstHttpUrl } from '../../verify/revocation/sources.js';
import { isoSeconds, parseAt, parseCommandArgs } from '../args.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';

const help = `Usage: certgate revocation check CERT [--issuer FILE] [--crl FILE]... [--no-ocsp]
                                 [--no-crl-fetch] [--timeout MS] [--at ISO8601] [--json]

Asks every revocation source of the certificate in CERT and prints what each one says:
  - OCSP: the responder named in the certificate's AIA (a POST with a nonce; the answer must be
    signed by the issuer or by a responder the issuer delegated OCSP to, and be fresh);
  - CRL:  the CRL of each http(s) CRL distribution point (downloaded; its signature must verify
    with the issuer's key, and it must be fresh), and any CRL files given with --crl.
Nothing is cached. Only http and https URLs are fetched; LDAP distribution points are skipped.

The issuer is taken from --issuer, else from further certificates in CERT, else downloaded from
the certificate's AIA caIssuers URL; it must have signed the certificate.

Options:
  --issuer FILE   the issuing CA certificate (PEM, DER or base64)
  --crl FILE      a CRL file (PEM or DER) to consult as well (repeatable)
  --no-ocsp       do not ask the OCSP responder
  --no-crl-fetch  do not download CRLs from the distribution points
  --timeout MS    deadline per OCSP request and per CRL download (default ${REVOCATION_DEFAULTS.ocspTimeoutMs})
  --at ISO8601    judge freshness at this time, e.g. 2026-01-01T00:00:00Z (default: now)
  --json          print the result as JSON
  -h, --help      show this help

Verdict: REVOKED when any source with an authentic answer says so; GOOD when none does and at
least one fresh answer says good; UNKNOWN otherwise.
Exit status: 0 good; 1 revoked; 3 unknown (no source gave a fresh, authentic answer); 2 usage
error or unreadable input.

Examples:
  certgate revocation check client.pem --issuer intermediate.pem
  certgate revocation check fixtures/pki/certs/zoo-revoked.pem \\
    --issuer fixtures/pki/ca/uptrends-intermediate.pem \\
    --crl fixtures/pki/crl/uptrends-intermediate.crl --no-ocsp --no-crl-fetch \\
    --at 2026-01-01T00:00:00Z
  certgate revocation check chain.pem --json     # leaf first, then its issuer
`;

async function readFile(io: CliIo, flag: string, path: string): Promise<Certificate[]> {
  const absolute = resolve(io.cwd, path);
  try {
    return await readCertificatesFile(absolute);
  } catch (error) {
    if (isClientCertError(error)) throw new ClientCertError(error.code, `${flag} ${error.message.replaceAll(absolute, path)}`, { cause: error });
    throw error;
  }
}

function issued(cert: CertificateModel, issuer: CertificateModel): boolean {
  return cert.issuer.equals(issuer.subject) && verifySignedData(cert.signatureAlgorithm, cert.tbsDer, cert.signatureValue, issuer);
}

async function findIssuer(io: CliIo, cert: CertificateModel, given: string | undefined, others: readonly CertificateModel[], timeoutMs: number): Promise<CertificateModel> {
  if (given !== undefined) {
    const candidates = await readFile(io, '--issuer', given);
    const found = candidates.find((c) => issued(cert, c));
    if (found === undefined) throw new UsageError(`--issuer ${given}: no certificate in it issued "${cert.subject.toString()}" (its issuer is "${cert.issuer.toString()}")`);
    return found;
  }
  const local = others.find((c) => issued(cert, c));
  if (local !== undefined) return local;
  const url = firstHttpUrl(cert.caIssuersUrls);
  if (url === undefined) throw new UsageError(`the issuer of "${cert.subject.toString()}" is needed: give --issuer FILE (the certificate names no http(s) caIssuers URL)`);
  let downloaded: CertificateModel[];
  try {
    downloaded = parseCertificates((await fetchWithLimits(url, { timeoutMs, maxBytes: 256 * 1024 })).body);
  } catch (error) {
    throw new UsageError(`the issuer could not be downloaded from ${url} (${error instanceof Error ? error.message : String(error)}): give --issuer FILE`);
  }
  const found = downloaded.find((c) => issued(cert, c));
  if (found === undefined) throw new UsageError(`the certificate downloaded from ${url} did not issue "${cert.subject.toString()}": give --issuer FILE`);
  return found;
}

function verdictOf(sources: readonly RevocationSourceStatus[]): 'good' | 'revoked' | 'unknown' {
  if (sources.some((s) => s.status === 'revoked')) return 'revoked';
  // A revoked answer from a stale CRL is still "revoked"; a good one must be fresh (crlStatus/OCSP check that).
  if (sources.some((s) => s.status === 'good')) return 'good';
  return 'unknown';
}

function times(s: RevocationSourceStatus): string {
  const parts: string[] = [];
  if (s.revocationTime !== undefined) parts.push(`revoked ${isoSeconds(s.revocationTime)}`);
  if (s.thisUpdate !== undefined) parts.push(`thisUpdate ${isoSeconds(s.thisUpdate)}`);
  if (s.nextUpdate !== undefined) parts.push(`nextUpdate ${isoSeconds(s.nextUpdate)}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

const revocation: Command = {
  summary: 'ask a certificate\'s OCSP responder and CRLs whether it is revoked (exit 0 good, 1 revoked, 3 unknown)',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs({
      args: [...argv],
      options: {
        issuer: { type: 'string' },
        crl: { type: 'string', multiple: true, default: [] },
        'no-ocsp': { type: 'boolean', default: false },
        'no-crl-fetch': { type: 'boolean', default: false },
        timeout: { type: 'string' },
        at: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const [sub, certPath, ...extra] = positionals;
    if (sub !== 'check') throw new UsageError(sub === undefined ? 'expected a subcommand: check' : `unknown subcommand "${sub}"; expected: check`);
    if (certPath === undefined) throw new UsageError('CERT (the certificate to check) is required');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const timeoutText = values.timeout;
    if (timeoutText !== undefined && (!/^\d+$/.test(timeoutText) || Number(timeoutText) < 1 || Number(timeoutText) > 120_000)) {
      throw new UsageError(`--timeout expects milliseconds from 1 to 120000, got "${timeoutText}"`);
    }
    const timeoutMs = timeoutText === undefined ? REVOCATION_DEFAULTS.ocspTimeoutMs : Number(timeoutText);
    const at = parseAt(values.at);
    if (values['no-ocsp'] && values['no-crl-fetch'] && values.crl.length === 0) throw new UsageError('--no-ocsp and --no-crl-fetch leave no source: give --crl FILE or drop one of them');

    const [cert, ...others] = await readFile(io, 'CERT', certPath);
    const issuer = await findIssuer(io, cert as Certificate, values.issuer, others, timeoutMs);
    const service = new RevocationService({
      mode: 'hard-fail',
      ocsp: { enabled: !values['no-ocsp'], timeoutMs },
      crl: { fetch: !values['no-crl-fetch'], timeoutMs: Math.max(timeoutMs, REVOCATION_DEFAULTS.crlTimeoutMs), files: values.crl.map((f) => resolve(io.cwd, f)) },
    });
    const sources = await service.inspect(cert as Certificate, issuer, at);
    const verdict = verdictOf(sources);
    const code = verdict === 'good' ? EXIT.OK : verdict === 'revoked' ? EXIT.FAILED : EXIT.CONNECTION;

    if (values.json) {
      const body = {
        verdict,
        at: isoSeconds(at),
        certificate: { subject: cert!.subject.toString(), serial: cert!.serialNumber, sha256: cert!.sha256 },
        issuer: { subject: issuer.subject.toString(), sha256: issuer.sha256 },
        sources: sources.map((s) => ({
          source: s.source,
          location: s.location ?? null,
          status: s.status,
          detail: s.detail,
          ...(s.thisUpdate === undefined ? {} : { thisUpdate: isoSeconds(s.thisUpdate) }),
          ...(s.nextUpdate === undefined ? {} : { nextUpdate: isoSeconds(s.nextUpdate) }),
          ...(s.revocationTime === undefined ? {} : { revocationTime: isoSeconds(s.revocationTime) }),
          ...(s.reason === undefined ? {} : { reason: s.reason }),
        })),
      };
      io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return code;
    }
    const lines = [
      `${verdict.toUpperCase()} at ${isoSeconds(at)}: ${cert!.subject.toString() || '(empty subject)'} (serial ${cert!.serialNumber})`,
      `  issuer ${issuer.subject.toString()}`,
    ];
    for (const s of sources) {
      lines.push(`  ${s.source.toUpperCase().padEnd(4)} ${s.status.toUpperCase().padEnd(7)} ${s.location ?? '-'}`);
      lines.push(`       ${s.detail}${times(s)}`);
    }
    io.stdout.write(`${lines.join('\n')}\n`);
    return code;
  },
};

export default revocation;
