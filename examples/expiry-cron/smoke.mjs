// Smoke test of examples/expiry-cron: issues two client certificates with the test harness (one
// expiring in 200 days, one in 20), starts a webhook receiver on 127.0.0.1, and runs the same
// command the crontab and the systemd unit run. Expects exit 1 (WARNING), one webhook POST and a
// textfile. Exits 0 on success, 1 otherwise; cleans up after itself.
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCertificate } from 'certgate';
import { issueClientCertificate } from 'certgate/harness';

const DAY = 86_400_000;
const pki = new URL('../../fixtures/pki/', import.meta.url);
const cli = path.join(path.dirname(fileURLToPath(import.meta.resolve('certgate/package.json'))), 'dist', 'cli', 'main.js');
const work = mkdtempSync(path.join(tmpdir(), 'certgate-expiry-smoke-'));
const certs = path.join(work, 'certs');
const textfile = path.join(work, 'certgate.prom');

const received = [];
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(200).end('ok');
  });
});

function run(args, env) {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

let ok = false;
try {
  const ca = {
    certificate: parseCertificate(readFileSync(new URL('ca/customer-ca.pem', pki), 'utf8')).der,
    privateKey: createPrivateKey(readFileSync(new URL('keys/customer-ca.key.pem', pki), 'utf8')),
  };
  mkdirSync(certs);
  for (const [name, days] of [['billing-client', 200], ['monitoring-client', 20]]) {
    const issued = await issueClientCertificate({ ca, nickname: name, notAfter: new Date(Date.now() + days * DAY), key: { type: 'ec', curve: 'P-256' } });
    writeFileSync(path.join(certs, `${name}.pem`), issued.certificatePem);
    console.log(`issued ${name}: notAfter ${issued.notAfter.toISOString()} (${days} days)`);
  }
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${receiver.address().port}/hooks/expiry`;

  const args = ['expiry', '--warn-days', '30', '--critical-days', '7', '--webhook-env', 'CERTGATE_WEBHOOK_URL', '--prometheus', textfile, certs];
  console.log(`$ certgate ${args.join(' ')}`);
  const result = await run(args, { CERTGATE_WEBHOOK_URL: hook });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  const metrics = readFileSync(textfile, 'utf8');
  const checks = [
    ['exit code 1 (WARNING)', result.code === 1],
    ['one webhook POST with status WARNING', received.length === 1 && received[0].status === 'WARNING' && /monitoring-client/.test(received[0].text)],
    ['textfile written with exit code 1', /^certgate_expiry_exit_code 1$/m.test(metrics)],
    ['textfile has seconds remaining for both certificates', (metrics.match(/^certgate_expiry_seconds_remaining\{/gm) ?? []).length === 2],
  ];
  for (const [what, passed] of checks) console.log(`${passed ? 'ok  ' : 'FAIL'} ${what}`);
  ok = checks.every(([, passed]) => passed);
} catch (error) {
  console.error(`smoke failed: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  receiver.close();
  rmSync(work, { recursive: true, force: true });
}
console.log(ok ? 'expiry-cron smoke: OK' : 'expiry-cron smoke: FAILED');
process.exit(ok ? 0 : 1);
