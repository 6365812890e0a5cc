import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { circuitBreaker, type CircuitBreakerSnapshot } from '../../../src/engine/resilience';
import type { ReboundApi } from '../../../src/extension/main';
import type { HealthNode } from '../../../src/extension/health/tree';
import type { BreakerRepository } from '../../../src/store/breakers';

/** Markdown as the text a reader sees (escapes and non-breaking spaces undone). */
const plain = (md: string) => md.replace(/&nbsp;/g, ' ').replace(/\*\*/g, '').replace(/\\(.)/g, '$1');
const label = (item: vscode.TreeItem) => (typeof item.label === 'string' ? item.label : (item.label?.label ?? ''));

describe('Health view: circuit breakers, reset and isolate', function () {
  this.timeout(30_000);
  let api: ReboundApi;
  let breakers: BreakerRepository;
  const OPEN = 'it-payments-api';
  const CLOSED = 'it-search-api';
  const tree = () => api.ui!.health;
  const breakerNode = (key: string) => tree().getChildren().find((n): n is Extract<HealthNode, { kind: 'breaker' }> => n.kind === 'breaker' && n.breaker.key === key);
  const itemOf = (key: string) => {
    const n = breakerNode(key);
    assert.ok(n, `breaker ${key} is listed`);
    return tree().getTreeItem(n);
  };

  before(async () => {
    api = await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
    breakers = api.session!.store(true)!.breakers;
    const now = Date.now();
    const open: CircuitBreakerSnapshot = {
      version: 1,
      state: 'open',
      openedAt: now - 10_000,
      breakMs: 60_000,
      openCount: 1,
      counts: { kind: 'consecutive', failures: 0 },
      lastFailure: { code: 'RB-NET-RESET', message: 'read ECONNRESET', at: now - 10_000 },
    };
    breakers.save(OPEN, open);
    breakers.save(CLOSED, { version: 1, state: 'closed', openedAt: null, breakMs: null, openCount: 0, counts: { kind: 'consecutive', failures: 2 }, lastFailure: null });
    api.ui!.refresh();
  });

  after(() => {
    breakers.delete(OPEN);
    breakers.delete(CLOSED);
    api.ui!.refresh();
  });

  it('lists each breaker with its state, failures and time to half-open, and the breakers component is degraded', () => {
    const open = itemOf(OPEN);
    assert.equal(label(open), `breaker: ${OPEN}`);
    const wait = /^open · 0 failures · half-open in (\d+)s$/.exec(String(open.description));
    assert.ok(wait, String(open.description));
    assert.ok(Number(wait[1]) > 40 && Number(wait[1]) <= 50, `half-open in ${wait[1]}s`);
    assert.equal(open.contextValue, `rebound.breaker.open`);
    assert.match(plain((open.tooltip as vscode.MarkdownString).value), /Half-open at: /);

    const closed = itemOf(CLOSED);
    assert.equal(closed.description, 'closed · 2 failures');
    assert.equal(closed.contextValue, 'rebound.breaker.closed');

    const component = tree().getChildren().find((n) => n.kind === 'component' && n.health.component === 'breakers')!;
    assert.match(String(tree().getTreeItem(component).description), /^degraded: 1 open circuit breaker/);
    assert.match(api.ui!.statusBar.item.text, /\$\(circuit-board\) 1/);
  });

  it('reset (from the tree node) closes an open breaker in the store and the tree follows', async () => {
    await vscode.commands.executeCommand('rebound.breaker.reset', breakerNode(OPEN));
    const stored = breakers.get(OPEN)!;
    assert.equal(stored.state, 'closed');
    assert.equal(stored.snapshot.openedAt, null);
    assert.equal(stored.openedAt, null);
    const item = itemOf(OPEN);
    assert.equal(item.description, 'closed · 0 failures');
    assert.equal(item.contextValue, 'rebound.breaker.closed');
  });

  it('isolate (by key) holds a breaker open until it is reset, and the tree and status bar follow', async () => {
    await vscode.commands.executeCommand('rebound.breaker.isolate', CLOSED);
    assert.equal(breakers.get(CLOSED)!.state, 'isolated');
    // A runner restoring the breaker from the store refuses calls.
    const restored = circuitBreaker({ name: CLOSED, initialState: breakers.load(CLOSED) });
    assert.equal(restored.state, 'isolated');
    await assert.rejects(restored.execute(async () => 'called'), /held open/);
    const item = itemOf(CLOSED);
    assert.match(String(item.description), /^isolated/);
    assert.equal(item.contextValue, 'rebound.breaker.isolated');
    api.ui!.refresh();
    assert.match(api.ui!.statusBar.item.text, /\$\(circuit-board\) 1/);

    await vscode.commands.executeCommand('rebound.breaker.reset', breakerNode(CLOSED));
    assert.equal(breakers.get(CLOSED)!.state, 'closed');
    assert.equal(itemOf(CLOSED).contextValue, 'rebound.breaker.closed');
  });
});
