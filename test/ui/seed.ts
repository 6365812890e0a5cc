import { join } from 'node:path';
import { ErrorStore } from '../../src/store/errorStore';

/** Text that must be shown as text: if it ran, it would set window.__xss in the webview. */
export const XSS_MESSAGE = 'Upload failed: <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>';

/** Seeds the demo workspace's store with a few issues, as runs of its tasks would. */
export function seedDemoStore(workspace: string): void {
  const store = ErrorStore.open(join(workspace, '.rebound', 'rebound.db'), { workspaceRoot: workspace });
  const now = Date.now();
  store.recordBatch([
    { message: 'read ECONNRESET', output: 'npm ERR! code ECONNRESET', context: { task: 'fetch-deps', component: 'tasks', exitCode: 1, attempt: 1 }, time: now - 3_600_000 },
    { message: 'read ECONNRESET', output: 'npm ERR! code ECONNRESET', context: { task: 'fetch-deps', component: 'tasks', exitCode: 1, attempt: 2 }, time: now - 3_500_000 },
    { message: "src/app.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.", context: { task: 'build', component: 'tasks', file: 'src/app.ts', line: 4, column: 7, exitCode: 2 }, time: now - 1_800_000 },
    { message: 'SQLITE_BUSY: database is locked', output: 'Error: SQLITE_BUSY: database is locked', context: { task: 'report', component: 'tasks', exitCode: 1 }, time: now - 600_000 },
    { message: XSS_MESSAGE, context: { task: 'deploy', step: 'upload', component: 'tasks', exitCode: 1 }, time: now - 60_000 },
  ]);
  store.close();
}
