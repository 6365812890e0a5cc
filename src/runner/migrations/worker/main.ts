/**
 * The migration worker: a child process of the extension host (dist/migrationWorker.js, its own
 * bundle) that runs one migration job (apply, roll back, recover, validate, test-rollback) so
 * that the user's SQL never runs on the extension host's thread. It talks by the messages of
 * protocol.ts over the IPC channel and exits when the job is done.
 */
import { serializeError } from '../../../engine/errors';
import { openMigrator } from '../databases';
import { runJob } from '../jobs';
import type { FromWorker, ToWorker } from './protocol';

const controller = new AbortController();
let started = false;

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const { db, job } = message;
  let outcome: FromWorker;
  const pending: Array<Promise<void>> = [];
  try {
    const { migrator, target } = openMigrator(db, { signal: controller.signal });
    const sub = migrator.onDidProgress((progress) => pending.push(send({ type: 'progress', progress })));
    try {
      const result = await runJob(migrator, target, db, job, (entry) => {
        pending.push(send({ type: 'park', entry: { ...entry, error: serializeError(entry.error) } }));
      });
      outcome = { type: 'done', result };
    } finally {
      sub.dispose();
      migrator.dispose();
      await target.close();
    }
  } catch (err) {
    outcome = { type: 'failed', error: serializeError(err) };
  }
  await Promise.all(pending);
  await send(outcome);
  process.disconnect?.();
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') controller.abort(new Error('Cancelled'));
  else if (message.type === 'start' && !started) {
    started = true;
    void start(message);
  }
});
// The host went away: nothing is left to report to; stop between statements.
process.on('disconnect', () => controller.abort(new Error('The extension host went away')));
