import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuidanceCatalog } from '../../../src/engine/guidance';
import { issuePageData, sourceLocation } from '../../../src/extension/issuePage/issueData';
import type { StoreHandles } from '../../../src/extension/session';
import { ErrorStore } from '../../../src/store/errorStore';

const DAY = 86_400_000;

/** The issue page's data, read from a real store: what the page shows and which actions it offers. */
describe('issue page data', () => {
  let dir: string;
  let store: ErrorStore;
  const now = Date.UTC(2026, 11, 4, 15, 0, 0);
  const handles = () => ({ errors: store }) as unknown as StoreHandles;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebound-issue-page-'));
    store = ErrorStore.open(join(dir, 'rebound.db'), { workspaceRoot: dir });
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a transient task failure with its evidence, output tail, events per day and guidance, and offers retry', () => {
    const output = Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join('\n') + '\nnpm ERR! code ECONNRESET';
    store.recordBatch([
      { message: 'read ECONNRESET', output, context: { task: 'fetch', component: 'tasks', exitCode: 1, attempt: 1 }, time: now - 3 * DAY },
      { message: 'read ECONNRESET', output, context: { task: 'fetch', component: 'tasks', exitCode: 1, attempt: 2 }, time: now - 60_000 },
    ]);
    const id = store.listIssues({}, { limit: 1 }).items[0].id;
    const d = issuePageData(handles(), id, new GuidanceCatalog(), true, now)!;
    assert.equal(d.issue.count, 2);
    assert.equal(d.issue.category, 'transient');
    assert.ok(d.evidence.some((l) => l === 'Exit code: 1'), d.evidence.join(' | '));
    assert.ok(d.evidence.some((l) => /^Task: fetch, attempt 2$/.test(l)), d.evidence.join(' | '));
    assert.equal(d.output.truncated, true);
    assert.equal(d.output.text.split('\n').length, 40, 'the last 40 lines');
    assert.match(d.output.text, /npm ERR! code ECONNRESET$/);
    assert.equal(d.events.length, 2);
    assert.equal(d.events[0].attempt, 2, 'newest first');
    assert.equal(d.daily.length, 14);
    assert.equal(d.daily[13].count, 1, 'today');
    assert.equal(d.daily[10].count, 1, 'three days ago');
    assert.equal(d.guidance?.code, d.issue.code);
    assert.deepEqual(d.actions, { resolve: true, ignore: true, reopen: false, retry: true, openSource: false });
    assert.equal(issuePageData(handles(), id, new GuidanceCatalog(), false, now)!.actions.retry, false, 'nothing runs in a restricted workspace');
  });

  it('offers the source location of a compile error but no retry (the code must change), and reopen once resolved', () => {
    store.recordBatch([{ message: "src/app.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.", context: { task: 'build', component: 'tasks', file: 'src/app.ts', line: 4, column: 7, exitCode: 2 }, time: now }]);
    const id = store.listIssues({}, { limit: 1 }).items[0].id;
    let d = issuePageData(handles(), id, new GuidanceCatalog(), true, now)!;
    assert.equal(d.actions.openSource, true);
    assert.equal(d.actions.retry, false);
    assert.deepEqual(sourceLocation(handles(), id), { file: 'src/app.ts', line: 4, column: 7 });
    store.resolve(id, 'test');
    d = issuePageData(handles(), id, new GuidanceCatalog(), true, now)!;
    assert.deepEqual([d.actions.resolve, d.actions.reopen], [false, true]);
    assert.equal(issuePageData(handles(), id + 100, new GuidanceCatalog(), true, now), undefined, 'an issue that does not exist');
  });
});
