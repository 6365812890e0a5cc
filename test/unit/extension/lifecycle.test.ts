import assert from 'node:assert/strict';
import { inTurns } from '../../../src/extension/lifecycle';
import { ManualClock } from '../manualClock';

describe('inTurns: long host-thread work cut into tasks of its own', () => {
  it('runs each step in its own timer task, the first after the delay, in order', async () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    inTurns([() => ran.push('a'), () => ran.push('b'), () => ran.push('c')], 1500, clock);
    await clock.advance(1499);
    assert.deepEqual(ran, [], 'nothing before the delay');
    // One timer at a time: each step runs when the host thread comes back to the event loop.
    assert.equal(clock.pending, 1);
    clock.fake.next();
    assert.deepEqual(ran, ['a']);
    assert.equal(clock.pending, 1, 'the next step waits for a task of its own');
    clock.fake.next();
    assert.deepEqual(ran, ['a', 'b']);
    clock.fake.next();
    assert.deepEqual(ran, ['a', 'b', 'c']);
    assert.equal(clock.pending, 0);
  });

  it('a step that throws does not stop the next one', () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    inTurns([() => { throw new Error('cannot open'); }, () => ran.push('b')], 0, clock);
    assert.throws(() => clock.fake.next(), /cannot open/);
    clock.fake.next();
    assert.deepEqual(ran, ['b']);
  });

  it('disposing cancels the steps not yet run', () => {
    const clock = new ManualClock();
    const ran: string[] = [];
    const turns = inTurns([() => ran.push('a'), () => ran.push('b')], 10, clock);
    clock.fake.next();
    turns.dispose();
    assert.equal(clock.pending, 0);
    clock.fake.runAll();
    assert.deepEqual(ran, ['a']);
  });
});
