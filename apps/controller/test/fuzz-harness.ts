import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { DATABASE, Database } from '@gridflex/persistence';

/**
 * The controller settings of the HTTP fuzz files: re-planning after an accepted input starts at once, before
 * the database is read as settled; one attempt per outgoing message, so replies to fuzzed base URLs are not
 * retried for the rest of the run; and refused credentials never get this client's address blocked for the
 * properties that follow.
 */
export const HTTP_FUZZ_CONTROLLER = {
  PLANNING_DEBOUNCE_MS: 0,
  OSCP_OUTBOUND_ATTEMPTS: 1,
  OSCP_REQUEST_TIMEOUT_MS: 1000,
  AUTH_MAX_FAILURES: 1000,
  AUTH_FAILURE_WINDOW_S: 1,
};

/**
 * The fuzz suite's knobs: a fixed seed so that a failure replays, and few runs so that `npm test` stays quick
 * (`npm run fuzz` runs the same properties with many more).
 */
export const FUZZ = {
  seed: integerFromEnv('FUZZ_SEED', 14),
  runs: integerFromEnv('FUZZ_RUNS', 10),
  maxLagMs: integerFromEnv('FUZZ_MAX_LAG_MS', 5000),
};

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number, not "${raw}"`);
  return value;
}

/** Jest's timeout for one property: bounded by the run count, never by how fast this machine is. */
export function propertyTimeoutMs(): number {
  return 60_000 + FUZZ.runs * 3_000;
}

/**
 * Checks the property against FUZZ.runs generated inputs (and shrinks a failure to a small one), then prints
 * how many inputs were tried, which `npm run fuzz` reports per property.
 */
export async function checkProperty<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (input: T) => Promise<void>,
): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), {
    seed: FUZZ.seed,
    numRuns: FUZZ.runs,
  });
  console.log(
    `fuzz ${name}: ${details.numRuns} inputs tried, ${details.numShrinks} shrinks (seed ${FUZZ.seed})`,
  );
  if (details.failed) throw new Error(failureReport(name, details));
}

/** The failing input (cut short: some are megabytes of brackets), how to replay it, and what went wrong. */
function failureReport<T>(name: string, details: fc.RunDetails<[T]>): string {
  const input = JSON.stringify(details.counterexample?.[0], (_key, value: unknown) =>
    hasOwnToString(value) ? value[fc.toStringMethod]() : value,
  );
  const shown = input.length > 1500 ? `${input.slice(0, 1500)}… (${input.length} characters)` : input;
  const error =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return [
    `fuzz ${name} failed after ${details.numRuns} inputs (FUZZ_SEED=${FUZZ.seed}, path ${details.counterexamplePath})`,
    `input: ${shown}`,
    error,
  ].join('\n');
}

function hasOwnToString(value: unknown): value is { [fc.toStringMethod]: () => string } {
  return value !== null && typeof value === 'object' && fc.toStringMethod in value;
}

/** The worst event-loop delay since `start`, measured in this process, where the app under test runs. */
export class EventLoopLagMonitor {
  private readonly histogram = monitorEventLoopDelay({ resolution: 20 });

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
  }

  stop(): void {
    this.histogram.disable();
  }

  maxLagMs(): number {
    return this.histogram.max / 1e6;
  }
}

/**
 * Columns (or whole tables, `'*'`) that change by design without any input: proof that a charger is alive,
 * timers that heartbeat the peer or take its link offline, retries of outgoing messages.
 */
export type IgnoredColumns = Record<string, string[] | '*'>;

/**
 * What the controller changes with no input: the sampler's site load, a DSO peer's link going offline when a
 * promised heartbeat lapses, timers' heartbeats and measurements to the peer, retries of outgoing messages.
 */
export const BACKGROUND_CHANGES: IgnoredColumns = {
  dso_peers: ['link', 'link_changed_at'],
  dso_peer_link_events: '*',
  oscp_outbound_messages: '*',
  oscp_outbound_attempts: '*',
  site_load_samples: '*',
};

/**
 * A digest of every row of every table, per table, without the ignored columns: equal digests before and
 * after a refused input show that it changed nothing in the database.
 */
export async function databaseDigest(
  app: INestApplication,
  ignored: IgnoredColumns = {},
): Promise<Record<string, string>> {
  const db = app.get<Database>(DATABASE);
  const tables = rowsOf<{ table_name: string }>(
    await db.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
    ),
  ).map((row) => row.table_name);
  const digest: Record<string, string> = {};
  for (const table of tables.filter((name) => ignored[name] !== '*')) {
    const without = `{${((ignored[table] as string[] | undefined) ?? []).join(',')}}`;
    const [row] = rowsOf<{ digest: string | null; count: string | number }>(
      await db.execute(
        sql.raw(
          `select md5(string_agg((to_jsonb(t) - '${without}'::text[])::text, '|' order by (to_jsonb(t) - '${without}'::text[])::text)) as digest, count(*) as count from "${table}" t`,
        ),
      ),
    );
    digest[table] = `${row.count}:${row.digest ?? ''}`;
  }
  return digest;
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/**
 * Waits until the database has stopped changing (`quietReads` digests in a row equal) after an accepted input,
 * whose effects (re-planning, replies to the peer) may follow its answer; a refused input is then compared
 * against a state that nothing else is still changing. The fuzz files plan without debounce
 * (`PLANNING_DEBOUNCE_MS: 0`), so that a re-plan starts before the first of these reads.
 */
export async function settledDigest(
  app: INestApplication,
  ignored: IgnoredColumns = {},
  quietReads = 3,
  attempts = 100,
): Promise<Record<string, string>> {
  let previous = await databaseDigest(app, ignored);
  let equalInARow = 1;
  for (let i = 0; i < attempts && equalInARow < quietReads; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const current = JSON.stringify(await databaseDigest(app, ignored));
    equalInARow = current === JSON.stringify(previous) ? equalInARow + 1 : 1;
    previous = JSON.parse(current) as Record<string, string>;
  }
  if (equalInARow < quietReads) throw new Error('the database never stopped changing');
  return previous;
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries shared by the fuzz suites.

/** Values chosen to break parsers, validators and SQL: limits of numbers, odd strings, dates that are not. */
const NASTY_SCALARS: unknown[] = [
  null,
  true,
  false,
  0,
  -0,
  -1,
  0.1,
  1e308,
  -1e308,
  5e-324,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53 + 2,
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '0x1F',
  'null',
  'true',
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'a\u0000b',
  '\u0000',
  '\ud800',
  '\u202e\u0041',
  '💥'.repeat(50),
  'x'.repeat(5000),
  "' OR '1'='1' --",
  '"; DROP TABLE sites; --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%0d%0a',
  '${jndi:ldap://127.0.0.1/a}',
  '2025-02-30T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '2025-01-01T24:00:00Z',
  '2025-01-01T00:00:00+25:00',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '275760-09-13T00:00:00.001Z',
  '-271821-04-20T00:00:00Z',
  '2025-01-01',
  '00:00',
  '25:61',
  '1970-01-01T00:00:00Z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'Europe/Nowhere',
];

export const nastyScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_SCALARS) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true })
      .map((date) => date.toISOString()),
  },
);

/** An array or object nested `depth` levels deep. */
export const deeplyNested: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 20, max: 300 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
    return value;
  });

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: nastyScalar },
  { weight: 1, arbitrary: fc.array(nastyScalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), nastyScalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deeplyNested },
);

type Path = (string | number)[];

/** Every path to a value inside `value`, the root excluded. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, item]) => [[...prefix, key], ...pathsOf(item, [...prefix, key])]);
}

type Mutation =
  | { kind: 'set'; path: Path; value: unknown }
  | { kind: 'delete'; path: Path }
  | { kind: 'add'; path: Path; key: string; value: unknown };

function applyMutation(target: unknown, mutation: Exclude<Mutation, { kind: 'add' }>): unknown {
  if (mutation.path.length === 0) return target;
  const parentPath = mutation.path.slice(0, -1);
  const key = mutation.path[mutation.path.length - 1];
  const parent = parentPath.reduce<unknown>(
    (node, step) => (node !== null && typeof node === 'object' ? (node as never)[step] : undefined),
    target,
  );
  if (parent === null || typeof parent !== 'object') return target;
  const container = parent as Record<string | number, unknown>;
  if (mutation.kind === 'set') container[key] = mutation.value;
  else delete container[key];
  return target;
}

/**
 * Bodies that differ from `valid` by a few edits: a value replaced by a nasty one, a field dropped, an unknown
 * field (`__proto__` and `constructor` among them) added; now and then a body that is nothing like it.
 */
export function mutationsOf(valid: object): fc.Arbitrary<unknown> {
  const paths = pathsOf(valid);
  const containerPaths: Path[] = [[], ...paths.filter((path) => isObjectAt(valid, path))];
  const add: fc.Arbitrary<Mutation> = fc.record({
    kind: fc.constant('add' as const),
    path: fc.constantFrom(...containerPaths).map((path) => [...path, '']),
    key: fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'isAdmin'),
      fc.string({ maxLength: 12 }),
    ),
    value: nastyValue,
  });
  // An empty body (a Heartbeat's) has nothing to replace or drop: fields can only be added to it.
  const mutation: fc.Arbitrary<Mutation> =
    paths.length === 0
      ? add
      : fc.oneof(
          {
            weight: 4,
            arbitrary: fc.record({
              kind: fc.constant('set' as const),
              path: fc.constantFrom(...paths),
              value: nastyValue,
            }),
          },
          {
            weight: 1,
            arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.constantFrom(...paths) }),
          },
          { weight: 1, arbitrary: add },
        );
  const edited = fc
    .array(mutation, { minLength: 1, maxLength: 3 })
    .map((mutations) =>
      mutations.reduce<unknown>(
        (body, edit) => (edit.kind === 'add' ? addField(body, edit) : applyMutation(body, edit)),
        structuredClone(valid),
      ),
    );
  return fc.oneof({ weight: 5, arbitrary: edited }, { weight: 1, arbitrary: nastyValue });
}

function isObjectAt(root: unknown, path: Path): boolean {
  const node = path.reduce<unknown>((value, step) => (value as never)[step], root);
  return node !== null && typeof node === 'object';
}

/** `add` names the container by its path plus a placeholder: the field is defined on the container itself. */
function addField(body: unknown, edit: Extract<Mutation, { kind: 'add' }>): unknown {
  const containerPath = edit.path.slice(0, -1);
  const container = containerPath.reduce<unknown>(
    (node, step) => (node !== null && typeof node === 'object' ? (node as never)[step] : undefined),
    body,
  );
  if (container === null || typeof container !== 'object') return body;
  Object.defineProperty(container, edit.key, {
    value: edit.value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return body;
}

/** A generated body as JSON text; `undefined`, which JSON cannot say, as `null`. */
export function jsonText(body: unknown): string {
  return JSON.stringify(body) ?? 'null';
}

/** Text sent as `application/json` that is not JSON, or JSON that parsers and prototypes choke on. */
export const malformedJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '{',
    '[',
    '{"a":',
    '{"a":1,}',
    "{'a':1}",
    'undefined',
    'NaN',
    '\ufeff{}',
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":1,"a":2}',
    '[]',
    '"string"',
    '12345678901234567890123456789',
    '1e999',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.json({ maxDepth: 4 }).map((json) => json.slice(0, Math.max(0, json.length - 1))),
);
