import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { ExecutionError, LockError } from '../../../src/engine/errors';
import { ErrorStore, STORE_STEPS, StoreVersionError, openDatabase, type StoreChange } from '../../../src/store';
import { SECRET_SAMPLES } from '../engine/redact/secretSamples';
import { ManualClock } from '../manualClock';
import { asRead } from './driverText';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 5, 1, 12);

describe('error store (real SQLite files)', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  let store: ErrorStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-errors-'));
    file = join(dir, '.rebound', 'rebound.db');
    clock = new ManualClock(T0);
    store = ErrorStore.open(file, { clock, workspaceRoot: '/work/app' });
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fail = (message: string, context = {}) => ({ error: new ExecutionError(message, { context: { task: 'build', exitCode: 1, ...context } }) });

  it('records an event: classified, fingerprinted, grouped into a new issue', () => {
    const r = store.record({ ...fail('build failed'), output: 'Error: connect ECONNREFUSED 127.0.0.1:5432\n' });
    assert.ok(r.stored && r.eventId !== null);
    assert.deepEqual([r.classification.code, r.classification.category, r.transitions], ['RB-NET-ECONNREFUSED', 'transient', ['created']]);
    const e = store.getEvent(r.eventId!)!;
    assert.deepEqual([e.code, e.task, e.exitCode, e.issueId, e.evidence, e.time], ['RB-NET-ECONNREFUSED', 'build', 1, r.issueId, 'Error: connect ECONNREFUSED 127.0.0.1:5432', T0]);
    assert.match(e.details ?? '', /ECONNREFUSED/);
    const issue = store.getIssue(r.issueId)!;
    // Titled with the error's own headline (from the output), not the generic message.
    assert.deepEqual([issue.status, issue.substatus, issue.count, issue.storedCount, issue.title, issue.culprit], ['unresolved', 'new', 1, 1, 'Error: connect ECONNREFUSED 127.0.0.1:5432', 'build']);
  });

  it('groups repeats into one issue and keeps different failures apart', () => {
    const rs = store.recordBatch([fail('failed after 3 tries'), fail('failed after 4 tries'), fail('failed after 5 tries', { task: 'test' })]);
    assert.equal(rs[0].issueId, rs[1].issueId);
    assert.notEqual(rs[0].issueId, rs[2].issueId);
    assert.deepEqual(rs.map((r) => r.transitions), [['created'], [], ['created']]);
    assert.equal(store.getIssue(rs[0].issueId)!.count, 2);
    assert.equal(store.listIssues().total, 2);
  });

  it('uses the top workspace frame for the event location and the issue culprit', () => {
    const err = new Error('Cannot read properties of undefined');
    err.name = 'TypeError';
    err.stack = 'TypeError: Cannot read properties of undefined\n    at load (/work/app/src/load.ts:10:3)\n    at /work/app/node_modules/x/i.js:1:1';
    const r = store.record({ error: err, context: { component: 'tasks' } });
    const e = store.getEvent(r.eventId!)!;
    assert.deepEqual([e.file, e.line, e.column], ['src/load.ts', 10, 3]);
    assert.equal(store.getIssue(r.issueId)!.culprit, 'src/load.ts:10 in load');
  });

  it('lists events paged, newest first, with every filter; by task and by migration', () => {
    const inputs = [];
    for (let i = 0; i < 30; i++) {
      inputs.push({
        message: `failure number ${i}`,
        time: T0 + i * 1000,
        context: i % 3 === 0 ? { migration: '0002_add_users', component: 'migrations' } : { task: i % 2 ? 'build' : 'deploy', component: 'tasks' },
        output: i % 5 === 0 ? 'database is locked' : 'exit 1',
      });
    }
    store.recordBatch(inputs);
    const p1 = store.listEvents({}, { limit: 10 });
    assert.equal(p1.items.length, 10);
    assert.ok(p1.hasMore);
    assert.equal(p1.items[0].message, 'failure number 29');
    const p3 = store.listEvents({}, { limit: 10, offset: 20 });
    assert.equal(p3.hasMore, false);
    assert.equal(p3.items.at(-1)!.message, 'failure number 0');
    assert.equal(store.listEvents({ category: 'transient' }, { limit: 100 }).items.length, 6);
    assert.equal(store.listEvents({ severity: ['MEDIUM'] }, { limit: 100 }).items.length, 30);
    assert.equal(store.listEvents({ severity: ['CRITICAL', 'HIGH'] }, { limit: 100 }).items.length, 0);
    assert.equal(store.listEvents({ component: 'migrations' }, { limit: 100 }).items.length, 10);
    assert.equal(store.eventsByMigration('0002_add_users', { limit: 100 }).items.length, 10);
    assert.equal(store.eventsByTask('build', { limit: 100 }).items.length, 10);
    assert.equal(store.listEvents({ text: 'number 1' }, { limit: 100 }).items.length, 11);
    assert.equal(store.listEvents({ text: '100%_' }, { limit: 100 }).items.length, 0);
    assert.equal(store.listEvents({ since: T0 + 25_000 }, { limit: 100 }).items.length, 5);
    assert.equal(store.listEvents({ until: T0 + 5_000 }, { limit: 100 }).items.length, 5);
    const issueId = store.listEvents({ task: 'build' }).items[0].issueId;
    store.resolve(issueId);
    assert.equal(store.listEvents({ status: 'resolved' }, { limit: 100 }).items.length, store.getIssue(issueId)!.storedCount);
  });

  it('lists issues paged and sorted, with filters and a total', () => {
    for (let i = 0; i < 12; i++) store.recordBatch(Array.from({ length: i + 1 }, () => ({ message: `problem ${'abcdefghijkl'[i]}`, time: T0 + i, context: { task: `t${i}` } })));
    const p = store.listIssues({}, { limit: 5 });
    assert.deepEqual([p.items.length, p.total], [5, 12]);
    assert.equal(p.items[0].title, 'problem l');
    const byCount = store.listIssues({}, { limit: 3 }, { key: 'count' });
    assert.deepEqual(byCount.items.map((i) => i.count), [12, 11, 10]);
    assert.equal(store.listIssues({}, { limit: 1 }, { key: 'title', direction: 'asc' }).items[0].title, 'problem a');
    assert.equal(store.listIssues({ text: 'problem c' }).total, 1);
    assert.equal(store.listIssues({ task: 't3' }).items[0].count, 4);
    assert.equal(store.listIssues({ severity: 'CRITICAL' }).total, 0);
    assert.equal(store.listIssues({ since: T0 + 10 }).total, 2);
  });

  it('resolve, ignore and reopen; an event on a resolved issue reopens it as regressed', () => {
    const changes: StoreChange[] = [];
    store.onDidChange((c) => changes.push(c));
    const { issueId } = store.record(fail('boom'));
    assert.equal(store.resolve(issueId, 'ann')!.status, 'resolved');
    assert.equal(store.getIssue(issueId)!.resolvedBy, 'ann');
    clock.t += 1000;
    const again = store.record(fail('boom'));
    assert.deepEqual(again.transitions, ['regressed']);
    const reg = store.getIssue(issueId)!;
    assert.deepEqual([reg.status, reg.substatus, reg.resolvedAt], ['unresolved', 'regressed', null]);
    assert.equal(store.ignore(issueId, { mode: 'count', count: 2 })!.status, 'ignored');
    store.record(fail('boom'));
    assert.equal(store.getIssue(issueId)!.status, 'ignored');
    assert.deepEqual(store.record(fail('boom')).transitions, ['unignored']);
    assert.deepEqual([store.getIssue(issueId)!.status, store.getIssue(issueId)!.substatus], ['unresolved', 'escalating']);
    store.ignore(issueId);
    assert.equal(store.reopen(issueId)!.status, 'unresolved');
    assert.equal(store.resolve(999), undefined);
    assert.deepEqual(
      changes.map((c) => c.kind),
      ['recorded', 'triaged', 'recorded', 'triaged', 'recorded', 'recorded', 'triaged', 'triaged'],
    );
    assert.deepEqual(changes[2], { kind: 'recorded', issueIds: [issueId], transitions: ['regressed'] });
  });

  it('issue states remembered between batches give way to writes by another connection, this connection and rolled-back batches', () => {
    store.record(fail('boom'));
    clock.t += 1000;
    const { issueId } = store.record(fail('boom'));
    // Another process (the CLI) resolves the issue on its own connection.
    const other = ErrorStore.open(file, { clock, workspaceRoot: '/work/app' });
    try {
      assert.equal(other.resolve(issueId, 'cli')!.status, 'resolved');
    } finally {
      other.close();
    }
    clock.t += 1000;
    assert.deepEqual(store.record(fail('boom')).transitions, ['regressed']);
    assert.equal(store.getIssue(issueId)!.count, 3);
    // A plain write on this very connection (not through the store's triage methods).
    store.db.prepare(`UPDATE issues SET status = 'resolved', resolved_at = ? WHERE id = ?`).run(clock.t, issueId);
    clock.t += 1000;
    assert.deepEqual(store.record(fail('boom')).transitions, ['regressed']);
    // A batch that fails half way is rolled back; the states it changed in memory are not kept.
    store.db.exec(`CREATE TRIGGER no_late_events BEFORE INSERT ON events WHEN NEW.time > ${clock.t + 5000} BEGIN SELECT RAISE(ABORT, 'late'); END`);
    assert.throws(() => store.recordBatch([{ ...fail('boom'), time: clock.t + 10_000 }, fail('boom')]), /late/);
    store.db.exec('DROP TRIGGER no_late_events');
    assert.equal(store.getIssue(issueId)!.count, 4);
    clock.t += 1000;
    store.record(fail('boom'));
    const issue = store.getIssue(issueId)!;
    assert.deepEqual([issue.count, issue.storedCount, issue.lastSeen], [5, 5, clock.t]);
    // The description follows the latest event, whether or not more than the title changed.
    clock.t += 1000;
    store.record(fail('boom', { component: 'deploys' }));
    assert.deepEqual([store.getIssue(issueId)!.component, store.getIssue(issueId)!.count], ['deploys', 6]);
    clock.t += 1000;
    store.record(fail('boom', { component: 'packaging' }));
    assert.deepEqual([store.getIssue(issueId)!.component, store.getIssue(issueId)!.count], ['packaging', 7]);
    clock.t += 1000;
    store.record(fail('boom'));
    assert.deepEqual([store.getIssue(issueId)!.component, store.getIssue(issueId)!.count], [null, 8]);
  });

  it('ignore until a date survives a restart and ends with the first event after the date', () => {
    const { issueId } = store.record(fail('boom'));
    store.ignore(issueId, { mode: 'until', until: T0 + DAY });
    store.close();
    store = ErrorStore.open(file, { clock });
    clock.t = T0 + DAY - 1;
    store.record(fail('boom'));
    assert.equal(store.getIssue(issueId)!.status, 'ignored');
    clock.t = T0 + DAY;
    store.record(fail('boom'));
    assert.equal(store.getIssue(issueId)!.status, 'unresolved');
  });

  it('flood control: past the cap per window events are only counted on the issue', () => {
    store.close();
    store = ErrorStore.open(file, { clock, retention: { floodCap: 10, floodWindowMs: HOUR } });
    const storm = Array.from({ length: 1000 }, (_, i) => ({ ...fail('looping failure'), time: T0 + i }));
    const rs = store.recordBatch(storm);
    assert.equal(rs.filter((r) => r.stored).length, 10);
    const issue = store.getIssue(rs[0].issueId)!;
    assert.deepEqual([issue.count, issue.storedCount, issue.droppedCount], [1000, 10, 990]);
    assert.equal(store.listEvents({}, { limit: 1000 }).items.length, 10);
    // The next window stores again, one at a time across batches.
    for (let i = 0; i < 12; i++) store.record({ ...fail('looping failure'), time: T0 + HOUR + i });
    const after = store.getIssue(rs[0].issueId)!;
    assert.deepEqual([after.count, after.storedCount, after.droppedCount], [1012, 20, 992]);
    assert.equal(store.statistics().totals.events, 1012);
  });

  it('statistics: totals, by severity, category and component, hourly and daily buckets, retry success', () => {
    store.recordBatch([
      { ...fail('a'), output: 'ENOSPC', time: T0 - 2 * HOUR },
      { ...fail('b'), output: 'database is locked', time: T0 - 3 * DAY },
      { message: 'c', context: { migration: '0001' }, output: 'SQLITE_CORRUPT', time: T0 },
      { message: 'd', context: { component: 'store' }, time: T0 - 40 * DAY },
    ]);
    store.resolve(store.listIssues({ code: 'RB-SQLITE-BUSY' }).items[0].id);
    store.db.prepare(`INSERT INTO attempts (operation, number, started_at, outcome, category) VALUES ('x', 1, ?, 'failure', 'transient'), ('x', 2, ?, 'success', NULL), ('y', 2, ?, 'failure', NULL)`).run(T0, T0, T0);
    const s = store.statistics();
    assert.deepEqual(s.totals, { events: 4, storedEvents: 4, droppedEvents: 0, events24h: 2, issues: 4, unresolved: 3, resolved: 1, ignored: 0 });
    assert.deepEqual(s.bySeverity, { LOW: 0, MEDIUM: 2, HIGH: 0, CRITICAL: 2 });
    assert.equal(s.byCategory.system, 2);
    assert.deepEqual(s.unresolvedBySeverity, { LOW: 0, MEDIUM: 1, HIGH: 0, CRITICAL: 2 });
    assert.deepEqual(s.byComponent.map((c) => [c.component, c.events]), [['tasks', 2], ['migrations', 1], ['store', 1]]);
    assert.equal(s.hourly.length, 24);
    assert.equal(s.hourly.at(-1)!.start, T0);
    assert.equal(s.hourly.at(-1)!.counts.CRITICAL, 1);
    assert.equal(s.hourly.at(-3)!.total, 1);
    assert.equal(s.daily.length, 30);
    assert.equal(s.daily.reduce((n, d) => n + d.total, 0), 3);
    assert.deepEqual(s.retry, { retries: 2, recovered: 1, successRate: 0.5, transientFailures: 1, transientRecovered: 1, transientRecoveryRate: 1 });
    assert.equal(s.topIssues.length, 3);
  });

  it('health: degraded by an unresolved CRITICAL issue, per component', () => {
    assert.equal(store.health().status, 'healthy');
    store.record({ message: 'disk', output: 'ENOSPC', context: { task: 'build' } });
    const h = store.health();
    assert.equal(h.status, 'degraded');
    assert.equal(h.components.find((c) => c.component === 'tasks')!.status, 'degraded');
    assert.equal(h.components.find((c) => c.component === 'migrations')!.status, 'healthy');
  });

  it('retention deletes old events of resolved issues only and keeps issue counts', () => {
    const old = store.recordBatch([
      { ...fail('old resolved'), time: T0 - 40 * DAY },
      { ...fail('old resolved'), time: T0 - 1 * DAY },
      { ...fail('old open'), time: T0 - 40 * DAY },
    ]);
    store.resolve(old[0].issueId);
    assert.equal(store.applyRetention(30), 1);
    const resolved = store.getIssue(old[0].issueId)!;
    assert.deepEqual([resolved.count, resolved.storedCount], [2, 1]);
    assert.equal(store.getIssue(old[2].issueId)!.storedCount, 1);
    assert.equal(store.getEvent(old[0].eventId!), undefined);
  });

  it('applies retention by itself at most once a day when recording', () => {
    store.close();
    store = ErrorStore.open(file, { clock, retention: { days: 10 } });
    const old = store.record({ ...fail('old'), time: T0 - 20 * DAY });
    store.resolve(old.issueId);
    clock.t = T0 + DAY + 1;
    store.record(fail('new one'));
    assert.equal(store.getEvent(old.eventId!), undefined);
    // Within the day it does not run again.
    const older = store.record({ ...fail('older'), time: T0 - 30 * DAY });
    store.resolve(older.issueId);
    store.record(fail('another'));
    assert.ok(store.getEvent(older.eventId!));
  });

  it('exports JSON and CSV streamed, with the filters; CSV is safe for spreadsheets', () => {
    store.recordBatch([
      { message: '=HYPERLINK("http://evil")', context: { task: 'a' } },
      { message: 'line one\nline "two", three', context: { task: 'b' } },
    ]);
    const json = JSON.parse([...store.export('json')].join(''));
    assert.equal(json.length, 2);
    assert.equal(json[1].message, 'line one\nline "two", three');
    assert.equal(JSON.parse([...store.export('json', { task: 'zzz' })].join('')).length, 0);
    const csv = [...store.export('csv', { task: 'a' })].join('');
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[0].startsWith('id,time,severity'));
    assert.ok(lines[1].includes(`"'=HYPERLINK(""http://evil"")"`), lines[1]);
    const csv2 = [...store.export('csv', { task: 'b' })].join('');
    assert.ok(csv2.includes('"line one\nline ""two"", three"'));
  });

  it('clear deletes everything, or only resolved issues', () => {
    const rs = store.recordBatch([fail('a'), fail('b', { task: 'x' })]);
    store.resolve(rs[0].issueId);
    assert.equal(store.clear({ resolvedOnly: true }), 1);
    assert.equal(store.listIssues().total, 1);
    assert.equal(store.clear(), 1);
    assert.equal(store.statistics().totals.events, 0);
  });

  it('stores untrusted text as data', () => {
    const nasty = `'); DROP TABLE events; -- \u0000 ${'x'.repeat(10)}`;
    const r = store.record({ message: nasty, context: { task: "t'; --", command: 'rm -rf "$HOME"' } });
    assert.equal(store.getEvent(r.eventId!)!.message, asRead(nasty));
    assert.equal(store.db.prepare('SELECT length(CAST(message AS BLOB)) FROM events WHERE id = ?').pluck().get(r.eventId), Buffer.byteLength(nasty), 'every byte is stored');
    assert.equal(store.listEvents({ text: "'); DROP" }).items.length, 1);
  });

  it('nothing secret reaches the database file', () => {
    const inputs = SECRET_SAMPLES.map(([text]) => ({
      error: new LockError(text, { context: { task: 'deploy', command: `deploy ${text}` } }),
      output: `stdout: ${text}\n`,
      details: `details ${text}`,
      stack: `Error: ${text}\n    at run (/work/app/src/run.ts:1:1)`,
    }));
    store.recordBatch(inputs);
    // The error's own stack ("LockError: <message>" then frames), with secrets in the frames too;
    // twice each, so the second time the frames come from the cache.
    const own = SECRET_SAMPLES.flatMap(([text]) =>
      [text, 'connect failed'].map((message) => {
        const error = new LockError(message, { context: { task: 'own-stack' } });
        error.stack = `${error.stack!.split('\n', 1)[0]}\n    at call (/work/app/src/call.ts:3:7)\n    at connect (${text})`;
        return { error };
      }),
    );
    store.recordBatch([...own, ...own]);
    store.record({ message: SECRET_SAMPLES.map(([t]) => t).join(' | ') });
    const stacks = store.listEvents({ task: 'own-stack' }, { limit: 1000 }).items.map((e) => e.stack ?? '');
    assert.equal(stacks.length, 4 * SECRET_SAMPLES.length);
    assert.ok(stacks.every((st) => st.startsWith('LockError: ') && st.includes('at call (/work/app/src/call.ts:3:7)')), stacks[0]);
    store.close();
    const bytes = readdirSync(join(dir, '.rebound'))
      .map((f) => readFileSync(join(dir, '.rebound', f)))
      .reduce((a, b) => Buffer.concat([a, b]));
    assert.ok(bytes.length > 0);
    for (const [, secret] of SECRET_SAMPLES) assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `secret found in the database file: ${secret}`);
    assert.ok(bytes.indexOf(Buffer.from('[REDACTED]')) >= 0);
  });

  it('stores a stack with nothing secret in it exactly as it came, also when its frames repeat', () => {
    const error = new LockError('database is locked after 5000 ms', { context: { task: 'migrate' } });
    const again = new LockError('database is locked after 7000 ms', { context: { task: 'migrate' } });
    again.stack = `LockError: database is locked after 7000 ms${error.stack!.slice(error.stack!.indexOf('\n'))}`;
    const [a, b] = store.recordBatch([{ error }, { error: again }]);
    assert.equal(store.getEvent(a.eventId!)!.stack, error.stack);
    assert.equal(store.getEvent(b.eventId!)!.stack, again.stack);
  });

  it('shares an open database with other repositories and leaves it open on close', () => {
    const { db } = openDatabase(join(dir, 'shared.db'));
    const s = new ErrorStore(db, { clock });
    s.record(fail('x'));
    s.close();
    assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 1);
    db.close();
  });
});

describe('store schema and files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rebound-schema-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a database made by every earlier prefix of the steps upgrades to the latest, keeping its data', () => {
    const latest = STORE_STEPS.at(-1)!.version;
    for (let k = 0; k < STORE_STEPS.length; k++) {
      const file = join(dir, `v${k}.db`);
      const old = openDatabase(file, { steps: STORE_STEPS.slice(0, k) });
      assert.equal(old.db.pragma('user_version', { simple: true }), k === 0 ? 0 : STORE_STEPS[k - 1].version);
      if (k >= 1) new ErrorStore(old.db, { clock: new ManualClock(T0) }).record({ message: `made at step ${k}` });
      old.db.close();
      const up = ErrorStore.open(file, { clock: new ManualClock(T0) });
      try {
        assert.equal(up.db.pragma('user_version', { simple: true }), latest, `prefix ${k}`);
        assert.equal(up.db.pragma('journal_mode', { simple: true }), 'wal');
        if (k >= 1) assert.equal(up.listEvents().items[0].message, `made at step ${k}`);
        up.record({ message: 'after upgrade' });
        assert.equal(up.statistics().totals.events, k >= 1 ? 2 : 1);
        assert.ok(up.statistics().retry !== null);
      } finally {
        up.close();
      }
    }
  });

  it('refuses a database newer than the code with a named error and leaves it untouched', () => {
    const file = join(dir, 'newer.db');
    const { db } = openDatabase(file);
    db.pragma(`user_version = ${STORE_STEPS.at(-1)!.version + 1}`);
    db.close();
    const before = readFileSync(file);
    assert.throws(() => ErrorStore.open(file), (e: unknown) => e instanceof StoreVersionError && e.code === 'RB-STORE-VERSION');
    assert.deepEqual(readFileSync(file), before);
  });

  it('processes opening one new file at the same instant each find the full schema, and all their writes stay', async function () {
    this.timeout(60_000);
    // Real processes, released together by a shared start time: the schema steps of the first
    // one to create the file must not run again in the others (they read user_version 0 before
    // the first committed, then ran CREATE TABLE on tables that existed: the open failed).
    const database = resolve(__dirname, '../../../src/store/database.js');
    const child = `const { openDatabase } = require(${JSON.stringify(database)});
      const [file, at] = process.argv.slice(1);
      while (Date.now() < Number(at));
      const { db } = openDatabase(file);
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('pid ' + process.pid, 'here');
      db.close();`;
    const PROCESSES = 6;
    for (let round = 0; round < 4; round++) {
      const file = join(dir, `new-${round}.db`);
      const at = String(Date.now() + 700);
      const results = await Promise.all(
        Array.from({ length: PROCESSES }, () => new Promise<{ code: number | null; stderr: string }>((done) => {
          const p = spawn(process.execPath, ['-e', child, file, at], { env: process.env });
          let stderr = '';
          p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          p.on('close', (code) => done({ code, stderr }));
        })),
      );
      for (const r of results) assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
      const { db } = openDatabase(file);
      try {
        assert.equal(db.pragma('user_version', { simple: true }), STORE_STEPS.at(-1)!.version);
        assert.equal(db.prepare("SELECT count(*) FROM meta WHERE key LIKE 'pid %'").pluck().get(), PROCESSES, `round ${round}: every process wrote`);
      } finally {
        db.close();
      }
    }
  });

  it('moves a corrupt file aside, creates a fresh one and tells the caller', () => {
    const file = join(dir, 'rebound.db');
    writeFileSync(file, Buffer.alloc(8192, 7));
    const s = ErrorStore.open(file, { clock: new ManualClock(T0) });
    try {
      assert.equal(s.notices.length, 1);
      assert.match(s.notices[0], /corrupt/);
      const aside = readdirSync(dir).filter((f) => f.startsWith('rebound.db.corrupt-'));
      assert.equal(aside.length, 1);
      assert.deepEqual(readFileSync(join(dir, aside[0])), Buffer.alloc(8192, 7));
      s.record({ message: 'works' });
      assert.equal(s.listEvents().items.length, 1);
      const store = s.health().components.find((c) => c.component === 'store')!;
      assert.equal(store.status, 'degraded');
      assert.match(store.reasons[0], /corrupt/);
    } finally {
      s.close();
    }
    assert.ok(existsSync(file));
  });
});
