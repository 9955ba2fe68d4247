/**
 * certgate/prometheus: live metrics of a gate for prom-client (an optional peer dependency; only
 * this subpath imports it, never certgate's core).
 *
 *     const metrics = certgateMetrics({ registry });
 *     const gate = requireUptrendsClientCert({ pinFile: 'pins.json', ...metrics.hooks });
 *     metrics.track(gate);
 *
 * - `certgate_certificate_expiry_seconds{label,kind,serial}`: seconds until the end of every
 *   tracked pin and of every certificate seen in an accepted request, computed at scrape time;
 * - `certgate_verdicts_total{outcome,code}`: verdicts by outcome and error code;
 * - `certgate_expiring_soon_total{kind}`: expiry warnings the gate logged.
 */
import { Counter, Gauge, register as globalRegistry, type Registry } from 'prom-client';
import type { ExpiringSoonEvent, GateRequest, Verdict } from '../core/types.js';
import type { Pin } from '../verify/pins.js';
import { Lru } from '../util/lru.js';

/** Options of `certgateMetrics` (validated once). */
export interface CertgateMetricsOptions {
  /** Where the metrics are registered (default prom-client's global registry). */
  readonly registry?: Registry;
  /** Metric name prefix (default "certgate_"). */
  readonly prefix?: string;
  /** Most certificates seen in accepted requests kept as series (default 100; least recently seen dropped first). */
  readonly maxSeenCertificates?: number;
  /** The clock, for tests: a Date or ms since epoch (default Date.now). */
  readonly now?: () => Date | number;
}

/** Anything whose pins can be tracked: a gate, or the middleware of `requireClientCert` (it has `.gate`). */
export type TrackableGate = { readonly pins: readonly Pin[] } | { readonly gate: { readonly pins: readonly Pin[] } };

/** The hooks to spread into gate options. */
export interface CertgateMetricsHooks {
  /** Counts every decision by outcome and code (the gate's `onVerdict` option). */
  readonly onVerdict: (verdict: Verdict, request: GateRequest | undefined) => void;
  /** Counts the expiry warnings the gate logs (the gate's `onExpiringSoon` option). */
  readonly onExpiringSoon: (event: ExpiringSoonEvent) => void;
}

/** What `certgateMetrics` returns. */
export interface CertgateMetrics {
  /** `{ onVerdict, onExpiringSoon }`: spread into `requireClientCert`/`requireUptrendsClientCert` options. */
  readonly hooks: CertgateMetricsHooks;
  /** Adds a gate's pins (read at each scrape, so pin file reloads show) to the expiry gauge. */
  track(gate: TrackableGate): void;
  /** The prom-client metrics themselves. */
  readonly expirySeconds: Gauge<'label' | 'kind' | 'serial'>;
  readonly verdicts: Counter<'outcome' | 'code'>;
  readonly expiringSoon: Counter<'kind'>;
}

const OPTION_NAMES = ['registry', 'prefix', 'maxSeenCertificates', 'now'];
const MAX_LABEL = 200;

function labelValue(text: string): string {
  // Certificate-derived: bounded, control characters replaced.
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL)}…` : clean;
}

interface Seen {
  readonly label: string;
  readonly serial: string;
  readonly notAfter: number;
}

/**
 * Creates the metrics and registers them in `registry`.
 *
 * @throws TypeError for a bad option; prom-client's error when the names are already registered
 *   there (use another `prefix` or registry).
 */
export function certgateMetrics(options: CertgateMetricsOptions = {}): CertgateMetrics {
  if (options === null || typeof options !== 'object') throw new TypeError('certgate: certgateMetrics options must be an object');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw new TypeError(`certgate: unknown certgateMetrics option "${key}"; known options: ${OPTION_NAMES.join(', ')}`);
  }
  const prefix = options.prefix ?? 'certgate_';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new TypeError(`certgate: option "prefix" must be a metric name prefix such as "certgate_", found ${JSON.stringify(prefix)}`);
  const maxSeen = options.maxSeenCertificates ?? 100;
  if (!Number.isInteger(maxSeen) || maxSeen < 0 || maxSeen > 100_000) throw new TypeError(`certgate: option "maxSeenCertificates" must be an integer from 0 to 100000, found ${String(maxSeen)}`);
  const clock = options.now ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('certgate: option "now" must be a function');
  const registry = options.registry ?? globalRegistry;
  const now = (): number => {
    const t = clock();
    return t instanceof Date ? t.getTime() : t;
  };

  const tracked = new Set<TrackableGate>();
  const seen = new Lru<string, Seen>(Math.max(1, maxSeen));

  const expirySeconds = new Gauge({
    name: `${prefix}certificate_expiry_seconds`,
    help: 'Seconds until a pinned certificate (kind="pin") or a certificate seen in an accepted request (kind="certificate") expires; negative once expired.',
    labelNames: ['label', 'kind', 'serial'] as const,
    registers: [registry],
    collect(): void {
      this.reset();
      const at = now();
      for (const target of tracked) {
        const pins = 'gate' in target ? target.gate.pins : target.pins;
        for (const pin of pins) {
          if (pin.notAfter === undefined) continue;
          this.set({ label: labelValue(pin.label), kind: 'pin', serial: pin.serial ?? pin.certificate?.serialNumber ?? '' }, Math.floor((pin.notAfter.getTime() - at) / 1000));
        }
      }
      if (maxSeen === 0) return;
      for (const s of seen.values()) this.set({ label: s.label, kind: 'certificate', serial: s.serial }, Math.floor((s.notAfter - at) / 1000));
    },
  });
  const verdicts = new Counter({
    name: `${prefix}verdicts_total`,
    help: 'Client certificate verdicts by outcome and code (ACCEPTED, ABSENT, or the error code of a rejection).',
    labelNames: ['outcome', 'code'] as const,
    registers: [registry],
  });
  const expiringSoon = new Counter({
    name: `${prefix}expiring_soon_total`,
    help: 'Expiry warnings logged by the gate (at most one per certificate or pin per 24 h).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  const hooks: CertgateMetricsHooks = Object.freeze({
    onVerdict(verdict: Verdict): void {
      verdicts.inc({ outcome: verdict.outcome, code: verdict.ok ? verdict.outcome.toUpperCase() : verdict.code });
      if (verdict.outcome !== 'accepted' || maxSeen === 0) return;
      const c = verdict.certificate;
      if (seen.get(c.certSha256) === undefined) {
        seen.set(c.certSha256, { label: labelValue(c.pinLabel ?? c.identity ?? c.parsed.subject.get('CN') ?? c.emails[0] ?? c.subject), serial: c.serial, notAfter: c.notAfter.getTime() });
      }
    },
    onExpiringSoon(event: ExpiringSoonEvent): void {
      expiringSoon.inc({ kind: event.kind });
    },
  });

  return Object.freeze({
    hooks,
    track(gate: TrackableGate): void {
      // The middleware is a function carrying `.gate`; a gate is an object.
      const pins = gate !== null && (typeof gate === 'object' || typeof gate === 'function') ? ('gate' in gate ? gate.gate?.pins : gate.pins) : undefined;
      if (!Array.isArray(pins)) throw new TypeError('certgate: metrics.track() takes a gate or the middleware of requireClientCert / requireUptrendsClientCert');
      tracked.add(gate);
    },
    expirySeconds,
    verdicts,
    expiringSoon,
  });
}
