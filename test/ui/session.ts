import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../harness/codeServer';

/** The shared state of a UI run, set up by the harness before mocha loads the UI tests. */
export interface UiSession {
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** The workspace folder open in the workbench (a copy of demo/). */
  workspace: string;
  /** The URL that opens the workbench with Rebound loaded as the development extension. */
  workbenchUrl: string;
  /** Where screenshots go: test-results/ui. */
  resultsDir: string;
}

let current: UiSession | undefined;

export function setSession(s: UiSession | undefined): void {
  current = s;
}

export function session(): UiSession {
  if (!current) throw new Error('UI tests run through the harness: npm run test:ui');
  return current;
}
