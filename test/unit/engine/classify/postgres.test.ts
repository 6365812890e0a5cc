import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, DatabaseError } from 'pg';
import { BUILTIN_RULES, defaultClassifier, type Classification } from '../../../../src/engine/classify';
import { PG_CLASSES, PG_SQLSTATES, SQLSTATES, isSqlState, pgCode } from '../../../../src/engine/errors/sqlstate';
import { builtinGuidance } from '../../../../src/engine/guidance';

const ROOT = resolve(__dirname, '..', '..', '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'postgres');

interface Expected {
  sqlstate: string;
  code: string;
  category: string;
}

/** One error a real server sent through node-postgres (test/fixtures/postgres/record.mjs). */
interface Recorded {
  id: string;
  raised: boolean;
  expected: Expected;
  error: { name: string; message: string; length: number; code: string } & Record<string, unknown>;
}

interface Scenario {
  id: string;
  raised: boolean;
  expected: Expected;
  run(db: { connect(as?: { user?: string; password?: string; database?: string }): Promise<Client> }): Promise<unknown>;
}

const recorded = JSON.parse(readFileSync(join(FIXTURES, 'pg-errors.json'), 'utf8')) as { server: string; client: string; samples: Recorded[] };

/** The recorded error as node-postgres hands it over: a real DatabaseError with the fields the server sent. */
function revive(r: Recorded['error']): DatabaseError {
  const { name, message, length, ...fields } = r;
  const e = new DatabaseError(message, length, name as ConstructorParameters<typeof DatabaseError>[2]);
  return Object.assign(e, fields);
}

function check(id: string, c: Classification, expected: Expected): void {
  assert.deepEqual([c.code, c.category], [expected.code, expected.category], `${id} (${expected.sqlstate})`);
  const info = SQLSTATES[expected.code.slice('RB-PG-'.length) as keyof typeof SQLSTATES];
  assert.ok(info, `${id}: ${expected.code} is in the SQLSTATE table`);
  assert.deepEqual([c.severity, c.retryable], [info.severity, info.retryable], id);
  const g = builtinGuidance.get(c.code);
  assert.ok(g && g.steps.length > 0, `${id}: guidance for ${c.code}`);
}

describe('PostgreSQL errors by SQLSTATE', () => {
  it(`classifies every error recorded from a real server through pg (${recorded.samples.length} from ${recorded.server}, ${recorded.client})`, () => {
    assert.ok(recorded.samples.length >= 80, `${recorded.samples.length} samples`);
    for (const s of recorded.samples) {
      const error = revive(s.error);
      assert.ok(error instanceof DatabaseError && error.code === s.expected.sqlstate, s.id);
      check(s.id, defaultClassifier.classify({ error }), s.expected);
      // As the migration runner sees it: its own message, the driver's error as the cause.
      check(`${s.id} (as a cause)`, defaultClassifier.classify({ message: 'Migration 0003_users.sql failed', error: { message: 'statement 2 failed', cause: error } }), s.expected);
    }
  });

  it('has real errors for every SQLSTATE class but 00 (a server never sends success as an error)', () => {
    const seen = new Set(recorded.samples.map((s) => s.error.code.slice(0, 2)));
    const missing = [...PG_CLASSES].filter((c) => c !== '00' && !seen.has(c));
    assert.deepEqual(missing, []);
    assert.equal(PG_CLASSES.size, 43);
    // Natural errors (not raised on purpose) for every code the retry and triage decisions hinge on.
    const natural = new Set(recorded.samples.filter((s) => !s.raised).map((s) => s.error.code));
    for (const code of ['40001', '40P01', '55P03', '57014', '57P01', '53300', '23505', '23503', '23502', '23514', '42P01', '42703', '42601', '42P07', '28P01', '28000', '3D000', '25001', '25P02', '0A000']) {
      assert.ok(natural.has(code), `a natural ${code}`);
    }
  });

  it('maps success (class 00) too, and falls back to the class for codes it does not list', () => {
    assert.equal(defaultClassifier.classify({ error: { code: '00000', message: 'x' } }).code, 'RB-PG-00000');
    assert.equal(defaultClassifier.classify({ error: { code: '22008', message: 'date/time field value out of range' } }).code, 'RB-PG-22000');
    assert.equal(defaultClassifier.classify({ errorCode: '40003' }).code, 'RB-PG-40000');
  });

  it('never takes a bare number or a Node code for a SQLSTATE', () => {
    assert.ok(!isSqlState('EPIPE') && !isSqlState('EPERM') && !isSqlState('P2002') && !isSqlState('2350') && !isSqlState('ZZ001'));
    assert.ok(isSqlState('23505') && isSqlState('0A000') && isSqlState('HV00N'));
    assert.notEqual(defaultClassifier.classify({ output: 'imported 40001 rows in 23505 ms\n', exitCode: 1 }).code.startsWith('RB-PG-'), true);
    assert.equal(defaultClassifier.classify({ error: { code: 'EPIPE' } }).code, 'RB-NET-ECONNRESET');
  });

  it('reads the SQLSTATE from psql VERBOSITY verbose, a printed pg error and pgx', () => {
    const at = (output: string) => defaultClassifier.classify({ output, exitCode: 1 }).code;
    assert.equal(at('psql:m.sql:4: ERROR:  40P01: deadlock detected\nDETAIL:  Process 1 waits for ShareLock\n'), 'RB-PG-40P01');
    assert.equal(at('error: could not serialize access due to concurrent update\n    at x (/a/b.js:1:2) {\n  length: 101,\n  severity: \'ERROR\',\n  code: \'40001\',\n'), 'RB-PG-40001');
    assert.equal(at('ERROR: canceling statement due to statement timeout (SQLSTATE 57014)\n'), 'RB-PG-57014');
    // The cause wins over the aborted transaction that follows it.
    assert.equal(at('psql:a.sql:2: ERROR:  22012: division by zero\npsql:a.sql:3: ERROR:  25P02: current transaction is aborted, commands ignored until end of transaction block\n'), 'RB-PG-22012');
    assert.equal(at('psql:a.sql:2: ERROR:  division by zero\npsql:a.sql:3: ERROR:  current transaction is aborted, commands ignored until end of transaction block\n'), 'RB-SQL-ERROR');
    // A NOTICE that something already exists is not the failure.
    assert.equal(at('psql:m.sql:1: NOTICE:  relation "items" already exists, skipping\n'), 'RB-EXEC-001');
  });

  it('gives every PostgreSQL code guidance named after its condition, with no retry advice for what does not pass', () => {
    for (const state of PG_SQLSTATES) {
      const code = pgCode(state);
      const info = SQLSTATES[state];
      const g = builtinGuidance.resolve(code);
      assert.equal(g.code, code);
      assert.ok(g.title.includes(info.condition) || (state.endsWith('000') && g.title.includes(`class ${state.slice(0, 2)}`)), `${code}: ${g.title}`);
      assert.ok(g.steps.length > 0 && !/\$\{|\bTODO\b|\bXXX\b/.test(JSON.stringify(g)), code);
      assert.ok(BUILTIN_RULES.some((r) => r.code === code), `${code} has a rule`);
      const retry = g.actions.some((a) => a.kind === 'retry' || (a.kind === 'quickFix' && a.id === 'rebound.addRetry'));
      if (info.retryable) assert.ok(retry, `${code} offers a retry`);
      else {
        assert.ok(!retry, `${code} offers no retry`);
        assert.ok(!/\bretr(?:y|ies|ied|ying)\b/i.test([g.explanation, ...g.steps].join(' ')), `${code}: ${g.steps.join(' ')}`);
      }
    }
    assert.match(builtinGuidance.resolve('RB-PG-28P01').steps.join(' '), /PGPASSWORD.*\.pgpass.*[Nn]ever put the password in the `url`/s);
    assert.match(builtinGuidance.resolve('RB-PG-25001').steps.join(' '), /-- rebound:no-transaction/);
    assert.match(builtinGuidance.resolve('RB-PG-0A000').steps.join(' '), /-- rebound:no-transaction/);
    assert.match(builtinGuidance.resolve('RB-PG-57014').steps.join(' '), /statement_timeout.*split the migration/s);
  });

  const url = process.env.REBOUND_TEST_PG_URL;
  (url ? it : it.skip)('classifies the errors a live server sends (REBOUND_TEST_PG_URL, a superuser on a scratch server)', async function () {
    this.timeout(120_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SCENARIOS } = require(join(FIXTURES, 'scenarios.cjs')) as { SCENARIOS: Scenario[] };
    const db = {
      async connect(as: { user?: string; password?: string; database?: string } = {}) {
        const u = new URL(url!);
        if (as.user !== undefined) u.username = encodeURIComponent(as.user);
        if (as.password !== undefined) u.password = encodeURIComponent(as.password);
        if (as.database !== undefined) u.pathname = `/${encodeURIComponent(as.database)}`;
        const c = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
        c.on('error', () => {});
        await c.connect();
        return c;
      },
    };
    let n = 0;
    for (const sc of SCENARIOS) {
      const error = await sc.run(db);
      if (error === undefined) continue; // e.g. 28P01 on a server that trusts every login
      assert.ok(error instanceof DatabaseError, `${sc.id}: ${String(error)}`);
      assert.equal(error.code, sc.expected.sqlstate, sc.id);
      check(sc.id, defaultClassifier.classify({ error }), sc.expected);
      n++;
    }
    assert.ok(n >= SCENARIOS.length - 1, `${n} of ${SCENARIOS.length}`);
  });
});
