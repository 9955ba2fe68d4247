/**
 * `npm run bench` end to end with tiny durations: it runs, the JSON has the shape
 * docs/performance.md needs, every ratio is a finite number, every request of the handshake
 * phase was a full handshake on its own connection, and every certgate variant accepted the
 * Uptrends stand-in (no rejected request). Functional only: no figure is judged here (speed
 * targets live in the benchmark itself).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../bench/run.mjs', import.meta.url));
const cwd = fileURLToPath(new URL('../..', import.meta.url));

async function bench(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [script, ...args], { cwd, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 });
}

interface LoadVariant {
  rps: number;
  ratio: number;
  ratioInterval: [number, number];
  ratios: number[];
  middlewareUs?: number;
  cpuUsPerRequest: number;
  cpuRatio: number;
  non2xx: number;
  server: { requests: number; ok: number; secureConnections?: number };
  proof?: { requests: number; secureConnections: number; resumed: number; requestsOnFreshFullHandshake: number; laterRequestsOnConnection: number; everyRequestAFullHandshake: boolean };
}

const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);

describe('npm run bench (bench/run.mjs)', () => {
  it('keep-alive, handshake and header phases: finite ratios and intervals, CPU per request, a full handshake per request, middleware timing', async () => {
    const { stdout } = await bench(['--phase', 'keepalive,handshake,header', '--duration', '1', '--rounds', '2', '--connections', '2', '--handshake-connections', '2', '--time-middleware', '--json']);
    const result = JSON.parse(stdout) as {
      machine: { cpus: number; node: string };
      phases: Record<string, { variants: Record<string, LoadVariant> }>;
      targets: Array<{ name: string; measured: number; met: boolean }>;
    };
    expect(result.machine.node).toBe(process.version);
    expect(Object.keys(result.phases.keepalive!.variants)).toEqual(['tls-none', 'tls-authorized', 'tls-cca', 'tls-certgate']);
    expect(Object.keys(result.phases.header!.variants)).toEqual(['http-none', 'http-certgate']);
    for (const phase of ['keepalive', 'handshake', 'header']) {
      for (const [name, v] of Object.entries(result.phases[phase]!.variants)) {
        expect(finite(v.ratio) && v.ratio > 0, `${phase} ${name} ratio ${v.ratio}`).toBe(true);
        expect(finite(v.cpuUsPerRequest) && v.cpuUsPerRequest > 0, `${phase} ${name} CPU ${v.cpuUsPerRequest}`).toBe(true);
        expect(finite(v.cpuRatio), `${phase} ${name} cpuRatio`).toBe(true);
        // Two rounds: the interval is the range of the two ratios, and holds the median.
        expect(v.ratios).toHaveLength(2);
        expect(v.ratioInterval).toEqual([Math.min(...v.ratios), Math.max(...v.ratios)]);
        expect(v.ratio).toBeGreaterThanOrEqual(v.ratioInterval[0]);
        expect(v.ratio).toBeLessThanOrEqual(v.ratioInterval[1]);
        // --time-middleware: every check's own time, in the server; the baselines have no check.
        if (name.endsWith('-none')) expect(v.middlewareUs, name).toBeUndefined();
        else expect(finite(v.middlewareUs) && v.middlewareUs! > 0 && v.middlewareUs! < v.cpuUsPerRequest, `${phase} ${name} middleware µs ${v.middlewareUs}`).toBe(true);
        // Every request was answered 200: each check accepted the stand-in.
        expect(v.non2xx, `${phase} ${name} non-2xx`).toBe(0);
        expect(v.server.ok).toBeGreaterThan(0);
      }
      expect(result.phases[phase]!.variants[phase === 'header' ? 'http-none' : 'tls-none']!.ratio).toBe(1);
    }
    for (const [name, v] of Object.entries(result.phases.handshake!.variants)) {
      const proof = v.proof!;
      // One full (not resumed) handshake per request, never a second request on a connection.
      expect(proof.requests, name).toBeGreaterThan(0);
      expect(proof.requestsOnFreshFullHandshake, name).toBe(proof.requests);
      expect(proof.laterRequestsOnConnection, name).toBe(0);
      expect(proof.resumed, name).toBe(0);
      expect(proof.secureConnections, name).toBeGreaterThanOrEqual(proof.requests);
      expect(proof.everyRequestAFullHandshake, name).toBe(true);
    }
    // Keep-alive reuses connections: far fewer handshakes than requests.
    const keepAlive = result.phases.keepalive!.variants['tls-certgate']!;
    expect(keepAlive.server.secureConnections).toBeLessThan(keepAlive.server.requests);
    expect(result.targets.map((t) => t.name)).toEqual(expect.arrayContaining([expect.stringMatching(/keep-alive/), expect.stringMatching(/handshakes/), expect.stringMatching(/header path/)]));
    for (const t of result.targets) expect(finite(t.measured), t.name).toBe(true);
    const keepAliveTarget = result.targets.find((t) => /keep-alive/.test(t.name)) as { interval?: [number, number]; targetValue?: number } | undefined;
    expect(keepAliveTarget?.interval).toEqual(result.phases.keepalive!.variants['tls-certgate']!.ratioInterval);
    expect(keepAliveTarget?.targetValue).toBe(0.98);
  }, 300_000);

  it('micro and memory phases, and the Markdown report for docs/performance.md', async () => {
    const { stdout } = await bench(['--phase', 'micro,memory', '--certs', '40', '--micro-iterations', '20', '--rounds', '1', '--memory-idle', '0.2', '--markdown']);
    expect(stdout).toMatch(/^Measured \d{4}-\d\d-\d\dT.* on \d+ × .*, Node v\d+/);
    expect(stdout).toContain('### Micro-benchmarks');
    expect(stdout).toMatch(/\| cold chain: parse leaf \+ intermediate, 2 signatures, caches cleared \| [\d.]+ \| [\d.]+ \| [\d.]+x \|/);
    expect(stdout).toContain('### Memory');
    // Every one of the 40 distinct certificates was accepted in both passes.
    expect(stdout).toMatch(/\| certgate \| pass 1 \(40 distinct certificates\) \| 40 \|/);
    expect(stdout).toMatch(/\| no check \| pass 1 \(40 distinct certificates\) \| 40 \|/);
    expect(stdout).toMatch(/\| certgate \| pass 2 \(the same certificates again\) \| 40 \|/);
    expect(stdout).toMatch(/certgate's share is -?[\d.]+ MB/);
    expect(stdout).not.toContain('FAILED REQUESTS');
    expect(stdout).toMatch(/\| cold validation of the chain vs node:crypto parse \+ verify \| ≤ 1.5x \| [\d.]+ \|  \| (yes|NO) \|/);
  }, 300_000);

  it('refuses an unknown phase or a bad number with the usage text (exit 2)', async () => {
    await expect(bench(['--phase', 'keepalive,nope'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown phase "nope"') });
    await expect(bench(['--duration', 'soon'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--duration must be a number') });
  });
});
