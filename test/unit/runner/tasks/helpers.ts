import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RetryPolicyConfig } from '../../../../src/engine/resilience';
import type { StepDefinition, TaskDefinition } from '../../../../src/engine/tasks';
import { ErrorStore } from '../../../../src/store';

/** No waiting between attempts (timing is tested with an injected clock elsewhere). */
export const NO_WAIT: RetryPolicyConfig = { maxAttempts: 3, backoff: { kind: 'fixed', baseMs: 0 } };

export function task(name: string, steps: StepDefinition[], more: Partial<TaskDefinition> = {}): TaskDefinition {
  return { name, steps, cwd: '.', env: {}, retry: NO_WAIT, problems: [], rules: [], ...more };
}

export interface Sandbox {
  root: string;
  db: string;
  store: ErrorStore;
  /** Writes an executable sh script into the workspace. */
  script(name: string, body: string): string;
  /** The lines the scripts appended to log.txt. */
  log(): string[];
  dispose(): void;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'rebound-tasks-'));
  const db = join(root, '.rebound', 'rebound.db');
  const store = ErrorStore.open(db, { workspaceRoot: root });
  return {
    root,
    db,
    store,
    script(name, body) {
      writeFileSync(join(root, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      return `sh ${name}`;
    },
    log: () => (existsSync(join(root, 'log.txt')) ? readFileSync(join(root, 'log.txt'), 'utf8').split('\n').filter(Boolean) : []),
    dispose() {
      store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A pid that belonged to a process which has exited (and been reaped). */
export function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

export function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (check()) resolve();
      else if (Date.now() > until) reject(new Error('waitFor: timed out'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}
