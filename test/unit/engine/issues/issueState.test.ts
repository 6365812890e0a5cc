import assert from 'node:assert/strict';
import {
  DEFAULT_ISSUE_POLICY,
  applyEvent,
  createIssueState,
  ignoreIssue,
  reopenIssue,
  resolveIssue,
  type IssueState,
} from '../../../../src/engine/issues';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 1);

function events(state: IssueState, times: number[]) {
  const all: string[] = [];
  for (const t of times) {
    const a = applyEvent(state, t);
    state = a.state;
    all.push(...a.transitions);
  }
  return { state, transitions: all };
}

describe('issue state machine', () => {
  it('a first event creates an unresolved, new issue', () => {
    const s = createIssueState(T0);
    assert.deepEqual([s.status, s.substatus, s.count, s.firstSeen, s.lastSeen], ['unresolved', 'new', 1, T0, T0]);
  });

  it('counts events and keeps first and last seen, also out of order', () => {
    const { state } = events(createIssueState(T0 + 10), [T0 + 20, T0 + 5]);
    assert.deepEqual([state.count, state.firstSeen, state.lastSeen], [3, T0 + 5, T0 + 20]);
  });

  it('new ages to ongoing after the new period', () => {
    const a = applyEvent(createIssueState(T0), T0 + DEFAULT_ISSUE_POLICY.newPeriodMs);
    assert.deepEqual([a.state.substatus, a.transitions], ['ongoing', ['aged']]);
  });

  it('resolve, then an event: unresolved and regressed', () => {
    const resolved = resolveIssue(createIssueState(T0), T0 + 1, 'ann');
    assert.deepEqual([resolved.state.status, resolved.state.resolvedBy, resolved.transitions], ['resolved', 'ann', ['resolved']]);
    const a = applyEvent(resolved.state, T0 + 2);
    assert.deepEqual([a.state.status, a.state.substatus, a.transitions], ['unresolved', 'regressed', ['regressed']]);
    assert.equal(a.state.resolvedAt, undefined);
  });

  it('regressed ages to ongoing too', () => {
    const r = applyEvent(resolveIssue(createIssueState(T0), T0).state, T0 + 1).state;
    assert.equal(applyEvent(r, T0 + 1 + 8 * DAY).state.substatus, 'ongoing');
  });

  it('ignore forever stays ignored whatever happens', () => {
    const ig = ignoreIssue(createIssueState(T0), { mode: 'forever' }).state;
    const { state, transitions } = events(ig, Array.from({ length: 50 }, (_, i) => T0 + i * HOUR));
    assert.equal(state.status, 'ignored');
    assert.deepEqual(transitions, []);
    assert.equal(state.count, 51);
  });

  it('ignore for N events comes back (escalating) on the Nth', () => {
    const ig = ignoreIssue(createIssueState(T0), { mode: 'count', count: 3 }).state;
    const two = events(ig, [T0 + 1, T0 + 2]);
    assert.equal(two.state.status, 'ignored');
    const three = applyEvent(two.state, T0 + 3);
    assert.deepEqual([three.state.status, three.state.substatus, three.transitions], ['unresolved', 'escalating', ['unignored']]);
    assert.equal(three.state.ignore, undefined);
  });

  it('ignore until a date comes back (ongoing) on the first event after it', () => {
    const ig = ignoreIssue(createIssueState(T0), { mode: 'until', until: T0 + DAY }).state;
    assert.equal(applyEvent(ig, T0 + DAY - 1).state.status, 'ignored');
    const a = applyEvent(ig, T0 + DAY);
    assert.deepEqual([a.state.status, a.state.substatus, a.transitions], ['unresolved', 'ongoing', ['unignored']]);
  });

  it('reopen by hand: unresolved, ongoing, no resolution or ignore left', () => {
    for (const s of [resolveIssue(createIssueState(T0), T0, 'x').state, ignoreIssue(createIssueState(T0), { mode: 'forever' }).state]) {
      const r = reopenIssue(s, T0 + 5);
      assert.deepEqual([r.state.status, r.state.substatus, r.state.ignore, r.state.resolvedAt, r.transitions], ['unresolved', 'ongoing', undefined, undefined, ['reopened']]);
    }
  });

  it('escalates when a window has far more events than usual, and calms down in the next window', () => {
    // Usual level: 2 events per hour for 5 hours.
    let state = createIssueState(T0);
    state = events(state, [T0 + 10, ...Array.from({ length: 4 }, (_, h) => [T0 + (h + 1) * HOUR, T0 + (h + 1) * HOUR + 10]).flat()]).state;
    assert.equal(state.substatus, 'new');
    assert.ok(state.baselineRate !== undefined && state.baselineRate > 1.5 && state.baselineRate < 2.5, String(state.baselineRate));
    // A burst of 30 in hour 6.
    const burst = events(state, Array.from({ length: 30 }, (_, i) => T0 + 6 * HOUR + i));
    assert.equal(burst.state.substatus, 'escalating');
    assert.deepEqual(burst.transitions, ['escalated']);
    const next = applyEvent(burst.state, T0 + 7 * HOUR + 1);
    assert.deepEqual([next.state.substatus, next.transitions], ['ongoing', ['deescalated']]);
  });

  it('does not escalate a steady rate, nor a brand-new issue in its first window', () => {
    const first = events(createIssueState(T0), Array.from({ length: 40 }, (_, i) => T0 + i));
    assert.equal(first.state.substatus, 'new');
    let steady = createIssueState(T0);
    for (let h = 0; h < 10; h++) steady = events(steady, Array.from({ length: 20 }, (_, i) => T0 + h * HOUR + i + 1)).state;
    assert.notEqual(steady.substatus, 'escalating');
  });

  it('the usual level decays over quiet windows', () => {
    let s = events(createIssueState(T0), Array.from({ length: 9 }, (_, i) => T0 + i)).state;
    s = applyEvent(s, T0 + HOUR).state;
    const before = s.baselineRate!;
    s = applyEvent(s, T0 + 20 * HOUR).state;
    assert.ok(s.baselineRate! < before / 10, `${s.baselineRate} < ${before}/10`);
  });
});
