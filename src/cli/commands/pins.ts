/**
 * `certgate pins update|list`: keep pin files current without a code change.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseCertificates } from '../../cert/parse.js';
import type { CertificateModel } from '../../cert/types.js';
import { ClientCertGate } from '../../core/gate.js';
import { ClientCertError, isClientCertError } from '../../errors.js';
import { extractCertificatesFromPage, MAX_PAGE_SIZE } from '../../uptrends/page.js';
import { UPTRENDS_EMAIL, uptrendsBundledPinFile, uptrendsIntermediates, uptrendsTrustAnchors } from '../../uptrends/index.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { fetchWithLimits, FetchError } from '../../util/http-fetch.js';
import { describeMatch, parsePinFile, parseVersionedFile, PIN_FILE_VERSION, windowStatus, type Pin, type PinWindowStatus } from '../../verify/pins.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, UsageError, type CliIo, type Command } from '../command.js';
import { styleFor } from '../style.js';
import { formatTable } from '../../util/table.js';

const DAY = 86_400_000;

const help = `Usage: certgate pins update --from FILE|URL [--out pins.json] [--issuer FILE] [--label LABEL] [--json]
       certgate pins list [FILE|uptrends] [--json]

update  Reads the Uptrends page "Uptrends' client certificate public key information" (HTML, or
        its markdown/text form with typographic dashes around BEGIN/END CERTIFICATE) from a file
        or an http(s) URL, extracts the certificate, checks that it chains to a known trust anchor
        (the bundled USERTrust root and Sectigo intermediate, plus --issuer), and writes a pin:
        label, serial + issuer, subject email, SPKI SHA-256 and the certificate's validity window.
        With --out, the pin is merged into that pin file (a pin with the same label is replaced;
        the file is replaced atomically, so a running gate hot-reloads it); without --out the pin
        file is printed. A certificate that is already pinned under another label is not added twice.

list    Shows the pins of a pin file (default: the bundled Uptrends pins) with their status:
        active, expired or not yet valid, and the days remaining.

Options:
  --from FILE|URL   the page to read (URL: http or https, at most ${MAX_PAGE_SIZE / 1024 / 1024} MiB, 20 s)
  --out FILE        pin file to create or merge into
  --issuer FILE     issuer certificate(s) of the new certificate when it is not from a known CA
                    (intermediates; a self-signed certificate in it is trusted as an anchor)
  --label LABEL     pin label (default: uptrends-<year of notBefore>)
  --now ISO         evaluate validity at this time instead of now (for tests and planning)
  --json            machine-readable output
  -h, --help        show this help

Exit status: 0 pin written and active (update) / listed (list); 1 the certificate is expired or not
yet valid (the pin is still written, so the file documents it), or its chain does not verify
(nothing written); 2 usage error, unreadable input or an invalid existing pin file.

Examples:
  certgate pins update --from https://www.uptrends.com/support/kb/synthetic-monitoring/api-monitoring/uptrends-client-certificate-public-key-information --out pins.json
  certgate pins update --from page.html --issuer sectigo-email-ca.pem --label uptrends-2026 --out pins.json
  certgate pins list pins.json
  certgate pins list uptrends --json
`;

interface PinRow {
  label: string;
  status: PinWindowStatus;
  notBefore: string | undefined;
  notAfter: string | undefined;
  daysRemaining: number | undefined;
  match: Record<string, string>;
}

function pinRow(pin: Pin, now: number): PinRow {
  const { notBefore, notAfter, ...match } = describeMatch(pin);
  return {
    label: pin.label,
    status: windowStatus(pin, now),
    notBefore,
    notAfter,
    daysRemaining: pin.notAfter === undefined ? undefined : Math.floor((pin.notAfter.getTime() - now) / DAY),
    match,
  };
}

function parseNow(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`--now must be an ISO 8601 time such as 2026-11-23T00:00:00Z, found ${JSON.stringify(value)}`);
  return ms;
}

async function readBoundedFile(path: string, what: string): Promise<string> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new UsageError(`${what} ${path} is a directory`);
    if (info.size > MAX_PAGE_SIZE) throw new UsageError(`${what} ${path} is larger than ${MAX_PAGE_SIZE} bytes`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}`);
  }
}

async function readPage(from: string, io: CliIo): Promise<string> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(from)) {
    if (!/^https?:\/\//i.test(from)) throw new UsageError(`--from URL must be http or https, found ${JSON.stringify(from.slice(0, 80))}`);
    try {
      const response = await fetchWithLimits(from, { maxBytes: MAX_PAGE_SIZE, timeoutMs: 20_000, maxRedirects: 5, headers: { accept: 'text/html,text/plain;q=0.9,*/*;q=0.5' } });
      return response.body.toString('utf8');
    } catch (error) {
      if (error instanceof FetchError) throw new UsageError(`cannot fetch --from: ${error.message}`);
      throw error;
    }
  }
  return readBoundedFile(resolve(io.cwd, from), 'page file');
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** The moment to check the chain at: now when inside the certificate's validity, else just inside it. */
function chainCheckTime(cert: CertificateModel, now: number): number {
  const nb = cert.notBefore.getTime();
  const na = cert.notAfter.getTime();
  // The validator treats notAfter's own second as already expired (as OpenSSL does).
  const last = Math.max(nb, na - 1000);
  if (now < nb) return nb;
  if (now > last) return last;
  return now;
}

async function update(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: [...argv],
    options: {
      from: { type: 'string' },
      out: { type: 'string' },
      issuer: { type: 'string', multiple: true },
      label: { type: 'string' },
      now: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (values.from === undefined) throw new UsageError('--from FILE|URL is required');
  const now = parseNow(values.now);
  if (values.label !== undefined && (values.label.trim() === '' || values.label.length > 200)) throw new UsageError('--label must be 1 to 200 characters');

  // An existing --out file must be a valid pin file: never clobber what we cannot read.
  const outPath = values.out === undefined ? undefined : resolve(io.cwd, values.out);
  let existing: unknown[] = [];
  let existingComment: string | undefined;
  if (outPath !== undefined) {
    let text: string | undefined;
    try {
      text = await readFile(outPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`cannot read --out ${values.out}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (text !== undefined) {
      try {
        parsePinFile(text, values.out as string);
        existing = parseVersionedFile(text, 'pins', values.out as string);
        const comment = (JSON.parse(text) as { comment?: unknown }).comment;
        if (typeof comment === 'string') existingComment = comment;
      } catch (error) {
        throw new UsageError(`--out ${values.out} exists but is not a valid pin file (fix or move it): ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  const page = await readPage(values.from, io);
  const found = extractCertificatesFromPage(page);
  const leaf = found.find((c) => c.basicConstraints?.ca !== true) ?? found[0];
  if (leaf === undefined) throw new ClientCertError('CERT_MALFORMED', 'no certificate in the page');

  const extraAnchors: CertificateModel[] = [];
  const extraIntermediates: CertificateModel[] = found.filter((c) => c !== leaf);
  for (const file of values.issuer ?? []) {
    const text = await readBoundedFile(resolve(io.cwd, file), '--issuer file');
    let certs: CertificateModel[];
    try {
      certs = parseCertificates(text);
    } catch (error) {
      throw new UsageError(`--issuer ${file} is not a certificate file: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const c of certs) (c.isSelfIssued && c.basicConstraints?.ca === true ? extraAnchors : extraIntermediates).push(c);
  }
  const report = values.out === undefined ? io.stderr : io.stdout;
  for (const anchor of extraAnchors) report.write(`note: trusting ${anchor.subject.toString()} from --issuer as a trust anchor for this check\n`);

  // Check the chain with the same validator the middleware uses, at a moment inside the
  // certificate's validity (its expiry is reported separately below).
  const gate = new ClientCertGate({
    trustAnchors: [...uptrendsTrustAnchors(), ...extraAnchors],
    intermediates: [...uptrendsIntermediates(), ...extraIntermediates],
    logger: false,
    watch: false,
    expiryWarningDays: 0,
  });
  const verdict = await gate.checkCertificates([leaf.der, ...extraIntermediates.map((c) => c.der)], { at: new Date(chainCheckTime(leaf, now)) });
  gate.close();
  if (!verdict.ok) {
    const unknownIssuer = verdict.code === 'CHAIN_UNTRUSTED';
    const lines = unknownIssuer
      ? [
          `certgate pins update: unknown issuer: the certificate (serial ${leaf.serialNumber}, subject ${leaf.subject.toString()}) was issued by`,
          `  ${leaf.issuer.toString()}`,
          '  which is not a known trust anchor or intermediate (known: USERTrust RSA Certification Authority,',
          '  Sectigo RSA Client Authentication and Secure Email CA).',
          ...(leaf.caIssuersUrls.length > 0 ? [`  Its issuer certificate is published at ${leaf.caIssuersUrls.join(', ')}.`] : []),
          '  Get that CA certificate from a source you trust and pass it with --issuer FILE (and add it to',
          '  extraIntermediates/extraAnchors of the middleware). Nothing was written.',
        ]
      : [`certgate pins update: the certificate's chain does not verify: ${verdict.code}: ${verdict.error.message}. Nothing was written.`];
    if (values.json) io.stdout.write(`${JSON.stringify({ ok: false, code: verdict.code, message: verdict.error.message, issuer: leaf.issuer.toString(), serial: leaf.serialNumber })}\n`);
    io.stderr.write(`${lines.join('\n')}\n`);
    return EXIT.FAILED;
  }

  const email = leaf.emails[0];
  const year = leaf.notBefore.getUTCFullYear();
  const label = values.label?.trim() ?? (email === UPTRENDS_EMAIL ? `uptrends-${year}` : `${email ?? leaf.subject.get('CN') ?? 'pin'}-${year}`);
  const pin: Record<string, string> = {
    label,
    serial: leaf.serialNumber.replace(/^(00)+(?=[0-9A-F]{2})/, ''),
    issuer: leaf.issuer.toString(),
    ...(email === undefined ? {} : { subjectEmail: email }),
    spkiSha256: leaf.spkiSha256Base64,
    notBefore: isoSeconds(leaf.notBefore),
    notAfter: isoSeconds(leaf.notAfter),
  };

  // Merge: same label replaces; the same certificate under another label is not added twice.
  const merged: unknown[] = [];
  let replaced = false;
  let duplicateOf: string | undefined;
  const existingPins = outPath === undefined ? [] : parsePinFile(JSON.stringify({ version: PIN_FILE_VERSION, pins: existing }), values.out as string);
  existing.forEach((entry, i) => {
    const compiled = existingPins[i];
    if (compiled?.label === label) {
      merged.push(pin);
      replaced = true;
    } else {
      if (compiled !== undefined && compiled.serial === pin['serial'] && compiled.spkiSha256 === Buffer.from(leaf.spkiSha256Base64, 'base64').toString('hex')) duplicateOf = compiled.label;
      merged.push(entry);
    }
  });
  if (!replaced && duplicateOf === undefined) merged.push(pin);
  const file = {
    version: PIN_FILE_VERSION,
    comment: existingComment ?? `Pins written by certgate pins update from ${values.from.slice(0, 300)}`,
    pins: merged,
  };
  const text = `${JSON.stringify(file, null, 2)}\n`;
  parsePinFile(text, 'the new pin file'); // never write a file the gate would refuse
  const status = windowStatus({ notBefore: leaf.notBefore, notAfter: leaf.notAfter }, now);
  const days = Math.floor((leaf.notAfter.getTime() - now) / DAY);

  if (outPath !== undefined && duplicateOf === undefined) await writeFileAtomic(outPath, text);
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ ok: status === 'active', written: outPath !== undefined && duplicateOf === undefined, file: values.out, pin, status, daysRemaining: days, duplicateOf, chain: verdict.outcome === 'accepted' ? verdict.path.map((c) => c.subject.toString()) : [] })}\n`);
  } else {
    if (outPath === undefined) io.stdout.write(text);
    const where = outPath === undefined ? 'printed above' : duplicateOf !== undefined ? `already in ${values.out} as "${duplicateOf}"; file unchanged` : `${replaced ? 'replaced in' : 'added to'} ${values.out}`;
    report.write(`pin "${label}" (${where}): serial ${pin['serial']}, ${email ?? leaf.subject.toString()}, valid ${pin['notBefore']} to ${pin['notAfter']}\n`);
    report.write(`chain: ${verdict.outcome === 'accepted' ? verdict.path.map((c) => c.subject.get('CN') ?? c.subject.toString()).join(' <- ') : ''}\n`);
    if (email !== UPTRENDS_EMAIL) report.write(`warning: the certificate is not issued to ${UPTRENDS_EMAIL} (emails: ${leaf.emails.join(', ') || 'none'}); is this the Uptrends page?\n`);
  }
  if (status === 'expired') {
    io.stderr.write(`certgate pins update: the certificate EXPIRED on ${pin['notAfter']} (${-days} days ago): the pin can never match. Uptrends has not published a newer certificate on that page yet, or the page is stale.\n`);
    return EXIT.FAILED;
  }
  if (status === 'not-yet-valid') {
    io.stderr.write(`certgate pins update: the certificate is not valid before ${pin['notBefore']}: the pin matches from then on (keep the old pin until then).\n`);
    return EXIT.FAILED;
  }
  if (!values.json && days < 30) report.write(`warning: the certificate expires in ${days} days\n`);
  return EXIT.OK;
}

async function list(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs({
    args: [...argv],
    options: { json: { type: 'boolean', default: false }, now: { type: 'string' } },
    allowPositionals: true,
  });
  if (positionals.length > 1) throw new UsageError('expected at most one FILE (or "uptrends")');
  const target = positionals[0] ?? 'uptrends';
  const now = parseNow(values.now);
  let pins: Pin[];
  if (target === 'uptrends') {
    pins = parsePinFile(uptrendsBundledPinFile(), 'assets/uptrends/pins.json');
  } else {
    const text = await readBoundedFile(resolve(io.cwd, target), 'pin file');
    try {
      pins = parsePinFile(text, target);
    } catch (error) {
      if (isClientCertError(error)) throw new UsageError(error.message);
      throw error;
    }
  }
  const rows = pins.map((p) => pinRow(p, now));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ source: target, at: new Date(now).toISOString(), pins: rows }, null, 2)}\n`);
    return EXIT.OK;
  }
  if (rows.length === 0) {
    io.stdout.write(`${target}: no pins\n`);
    return EXIT.OK;
  }
  const style = styleFor(io.stdout, io.env);
  const table = formatTable(
    ['LABEL', 'STATUS', 'NOT BEFORE', 'NOT AFTER', 'DAYS LEFT', 'MATCHES'],
    rows.map((r) => [
      r.label,
      r.status,
      r.notBefore ?? '-',
      r.notAfter ?? '-',
      r.daysRemaining === undefined ? '-' : String(r.daysRemaining),
      Object.entries(r.match)
        .map(([k, v]) => `${k}=${k === 'issuer' || k === 'subject' ? JSON.stringify(v) : v}`)
        .join(' '),
    ]),
    {
      maxCell: 400,
      paint: (text, column, row) => {
        if (row < 0) return style.bold(text);
        if (column !== 1) return text;
        return text === 'active' ? style.green(text) : text === 'expired' ? style.red(text) : style.yellow(text);
      },
    },
  );
  io.stdout.write(`${target} (at ${new Date(now).toISOString()}):\n${table}`);
  const expired = rows.filter((r) => r.status === 'expired').length;
  if (expired === rows.length) io.stdout.write(`\nevery pin has expired: update with \`certgate pins update --from <page> --out pins.json\`\n`);
  return EXIT.OK;
}

const pinsCommand: Command = {
  summary: 'update pins from the Uptrends page, list pins and their status',
  help,
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === 'update') return update(rest, io);
    if (sub === 'list') return list(rest, io);
    throw new UsageError(sub === undefined ? 'expected a subcommand: update or list' : `unknown subcommand ${JSON.stringify(sub)}: expected update or list`);
  },
};

export default pinsCommand;
