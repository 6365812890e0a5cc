import assert from 'node:assert/strict';
import { DEFAULT_HEALTH_THRESHOLDS, evaluateHealth, healthComponentOf, healthThresholdsSchema } from '../../../../src/engine/health';

const m = (component: string, o: Partial<{ unresolvedIssues: number; unresolvedCritical: number; events24h: number; openBreakers: number; failedRuns: number; pendingDeadLetters: number }> = {}) => ({
  component,
  unresolvedIssues: 0,
  unresolvedCritical: 0,
  events24h: 0,
  openBreakers: 0,
  failedRuns: 0,
  pendingDeadLetters: 0,
  ...o,
});

describe('health', () => {
  it('is healthy with nothing to report, listing the four components', () => {
    const r = evaluateHealth([]);
    assert.equal(r.status, 'healthy');
    assert.deepEqual(r.components.map((c) => c.component), ['tasks', 'migrations', 'store', 'breakers']);
  });

  it('defaults: degraded on one unresolved CRITICAL, more than 10 unresolved issues, or more than 20 events in 24 h', () => {
    assert.equal(evaluateHealth([m('tasks', { unresolvedCritical: 1, unresolvedIssues: 1 })]).status, 'degraded');
    assert.equal(evaluateHealth([m('tasks', { unresolvedIssues: 10 })]).status, 'healthy');
    assert.equal(evaluateHealth([m('tasks', { unresolvedIssues: 11 })]).status, 'degraded');
    assert.equal(evaluateHealth([m('migrations', { events24h: 20 })]).status, 'healthy');
    const r = evaluateHealth([m('migrations', { events24h: 21 })]);
    assert.equal(r.status, 'degraded');
    assert.equal(r.components.find((c) => c.component === 'migrations')!.reasons.length, 1);
    assert.equal(evaluateHealth([m('breakers', { openBreakers: 1 })]).status, 'degraded');
  });

  it('fails above the failing thresholds and reports the worst component', () => {
    const r = evaluateHealth([m('tasks', { events24h: 500 }), m('store', { unresolvedIssues: 11 })]);
    assert.equal(r.status, 'failing');
    assert.equal(r.components.find((c) => c.component === 'tasks')!.status, 'failing');
    assert.equal(r.components.find((c) => c.component === 'store')!.status, 'degraded');
  });

  it('seed-style defaults: one failed run or one pending dead letter degrades a component; three failed runs make it failing', () => {
    const one = evaluateHealth([m('tasks', { failedRuns: 1 })]);
    assert.equal(one.components.find((c) => c.component === 'tasks')!.status, 'degraded');
    assert.match(one.components.find((c) => c.component === 'tasks')!.reasons[0], /^1 failed run\(s\) not followed by a success \(degraded above 0\)$/);
    assert.equal(evaluateHealth([m('tasks', { failedRuns: 3 })]).status, 'failing');
    assert.equal(evaluateHealth([m('migrations', { pendingDeadLetters: 1 })]).components.find((c) => c.component === 'migrations')!.status, 'degraded');
    assert.equal(evaluateHealth([m('migrations', { pendingDeadLetters: 6 })]).status, 'failing');
    const t = healthThresholdsSchema.parse({ failedRuns: { degraded: 2, failing: 10 }, windowHours: 4 });
    assert.equal(evaluateHealth([m('tasks', { failedRuns: 2 })], t).status, 'healthy');
    assert.equal(t.windowHours, 4);
  });

  it('thresholds are configurable', () => {
    const t = healthThresholdsSchema.parse({ events24h: { degraded: 100 } });
    assert.equal(t.events24h.failing, DEFAULT_HEALTH_THRESHOLDS.events24h.failing);
    assert.equal(evaluateHealth([m('tasks', { events24h: 50 })], t).status, 'healthy');
    assert.ok(!healthThresholdsSchema.safeParse({ nope: {} }).success);
  });

  it('notes degrade a component with their reason', () => {
    const r = evaluateHealth([], DEFAULT_HEALTH_THRESHOLDS, [{ component: 'store', status: 'degraded', reason: 'the database was corrupt and was replaced' }]);
    assert.equal(r.status, 'degraded');
    assert.deepEqual(r.components.find((c) => c.component === 'store')!.reasons, ['the database was corrupt and was replaced']);
  });

  it('maps events to components', () => {
    assert.equal(healthComponentOf({ component: 'store' }), 'store');
    assert.equal(healthComponentOf({ migration: '0001' }), 'migrations');
    assert.equal(healthComponentOf({ task: 'build' }), 'tasks');
    assert.equal(healthComponentOf({ component: 'webhooks' }), 'webhooks');
  });
});
