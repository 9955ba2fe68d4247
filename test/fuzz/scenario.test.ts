/**
 * Fuzz: scenario definitions (what a scenario file parses to) → a compiled scenario or one of the
 * scenario codes, within the per-input bound. Structure-aware: the documented fields with hostile
 * values (templates, regexes, JSON paths, huge numbers, prototype keys) and unknown fields.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileScenario } from '../../src/client/scenario-schema.js';
import { outcome, OutcomeTally, params } from './support.js';

const CODES = ['CONFIG_INVALID', 'VAULT_ITEM_UNKNOWN', 'VARIABLE_UNKNOWN', 'ENV_VAR_MISSING'] as const;
const ENV = { USER: 'probe', P12: 'pw' };

const text = fc.oneof(
  fc.constantFrom('{{base}}/x', '{{env.USER}}', '{{env.MISSING}}', '{{unknown}}', '{{', '}}', '{{ base }}', '{{env.}}', '{{a.b.c}}', '(a+)+$', '[', '(?<n>x)', '\\', '$.a[0].b', '$..*', '$[', 'https://127.0.0.1:1/', '', ' ', '__proto__', 'x'.repeat(20_000)),
  fc.string({ maxLength: 40 }),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 3 }), fc.dictionary(text, text, { maxKeys: 3 }));

const assertion = fc.oneof(
  fc.record({ status: fc.oneof(fc.integer({ min: -1, max: 1000 }), fc.array(fc.integer({ min: 0, max: 999 }), { maxLength: 4 }), anyValue) }),
  fc.record({ header: text, equals: text, contains: text, matches: text, exists: fc.oneof(fc.boolean(), anyValue) }, { requiredKeys: ['header'] }),
  fc.record({ jsonPath: text, equals: anyValue, contains: anyValue, exists: fc.boolean() }, { requiredKeys: ['jsonPath'] }),
  anyValue,
);
const capture = fc.oneof(fc.record({ jsonPath: text }), fc.record({ header: text }), fc.record({ regex: text, group: fc.oneof(fc.integer({ min: -2, max: 5 }), anyValue) }, { requiredKeys: ['regex'] }), anyValue);
const step = fc.record(
  {
    name: text,
    clientCert: fc.oneof(fc.constantFrom('none', 'uptrends', 'customer', 'pki:custom-client', 'pki:', 'nope'), text),
    request: fc.oneof(
      fc.record(
        {
          method: fc.oneof(fc.constantFrom('GET', 'POST', 'get', 'CONNECT', 'TRACE', 'G ET'), text),
          url: text,
          headers: fc.oneof(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 3 }), anyValue),
          body: text,
          json: anyValue,
        },
        { requiredKeys: ['url'] },
      ),
      anyValue,
    ),
    assert: fc.oneof(fc.array(assertion, { maxLength: 4 }), anyValue),
    capture: fc.oneof(fc.dictionary(text, capture, { maxKeys: 3 }), anyValue),
    timeoutMs: fc.oneof(fc.integer(), fc.double(), anyValue),
    unknownField: anyValue,
  },
  { requiredKeys: [] },
);
const scenario = fc.record(
  {
    name: text,
    description: text,
    ca: fc.oneof(text, fc.array(text, { maxLength: 2 })),
    trustPkiServer: fc.oneof(fc.boolean(), anyValue),
    insecure: fc.boolean(),
    timeoutMs: fc.oneof(fc.integer(), anyValue),
    continueOnFailure: fc.boolean(),
    vault: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('customer', 'none', 'uptrends'), text), fc.oneof(fc.record({ file: text, passwordEnv: fc.constantFrom('P12', 'MISSING'), description: text }, { requiredKeys: [] }), anyValue), { maxKeys: 2 }), anyValue),
    variables: fc.oneof(fc.dictionary(fc.oneof(fc.constant('base'), text), fc.oneof(text, fc.integer(), fc.boolean(), anyValue), { maxKeys: 3 }), anyValue),
    steps: fc.oneof({ weight: 5, arbitrary: fc.array(step, { maxLength: 4 }) }, { weight: 1, arbitrary: anyValue }),
    other: anyValue,
  },
  { requiredKeys: ['steps'] },
);

/** A valid scenario; the near-valid property replaces one value in it. */
function validScenario(): Record<string, unknown> {
  return {
    name: 'orders',
    vault: { customer: { file: 'customer.p12', passwordEnv: 'P12' } },
    variables: { base: 'https://127.0.0.1:8443' },
    steps: [
      { name: 'health', clientCert: 'uptrends', request: { url: '{{base}}/health' }, assert: [{ status: 200 }, { header: 'content-type', contains: 'json' }] },
      {
        clientCert: 'customer',
        request: { method: 'POST', url: '{{base}}/login', json: { user: '{{env.USER}}' }, headers: { 'x-a': 'b' } },
        assert: [{ jsonPath: '$.user.roles', contains: 'monitor' }],
        capture: { token: { jsonPath: '$.token' }, session: { regex: 'id=(\\w+)', group: 1 } },
      },
      { clientCert: 'none', request: { url: '{{base}}/orders', headers: { authorization: 'Bearer {{token}}' } }, assert: [{ status: [200, 204] }] },
    ],
  };
}

/** Every path (as keys) to a value inside `value`. */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, Array.isArray(value) ? Number(k) : k], out);
  return out;
}
const VALID_PATHS = paths(validScenario()).filter((p) => p.length > 0);

describe('fuzz: scenario definitions', () => {
  it('a valid scenario with one value replaced (or removed)', () => {
    const tally = new OutcomeTally('scenario one-value changes');
    fc.assert(
      fc.property(fc.nat(VALID_PATHS.length - 1), fc.option(anyValue, { nil: undefined }), (which, value) => {
        const definition = validScenario();
        const path = VALID_PATHS[which] as (string | number)[];
        let parent = definition as Record<string | number, unknown>;
        for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
        const last = path[path.length - 1] as string | number;
        if (value === undefined) delete parent[last];
        else parent[last] = value;
        tally.add(outcome((d: unknown) => compileScenario(d, ENV), definition, CODES));
      }),
      params(300),
    );
    tally.report();
    expect(tally.get('ok')).toBeGreaterThan(0);
  });

  it('structure-aware definitions', () => {
    const tally = new OutcomeTally('scenario definitions');
    fc.assert(fc.property(scenario, (definition) => tally.add(outcome((d: unknown) => compileScenario(d, ENV), definition, CODES))), params(300));
    tally.report();
  });

  it('any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 5 }), (definition) => void outcome((d: unknown) => compileScenario(d, ENV), definition, CODES)), params(200));
  });
});
