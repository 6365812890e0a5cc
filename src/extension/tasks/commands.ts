import * as vscode from 'vscode';
import { requireTrust } from '../trust';
import type { ResumeRequest, TaskCoordinator } from './coordinator';
import type { InterruptedRun, TaskRunnerFacade, TaskSummary } from './facade';
import type { ReboundTaskProvider } from './provider';
import { describeLive } from './liveRun';
import { ReboundPseudoterminal } from './terminal';

/** Runs a Rebound task (or resumes one of its runs) in a terminal, through VS Code's task system. */
export function runTaskInTerminal(provider: ReboundTaskProvider, coordinator: TaskCoordinator, name: string, resume?: ResumeRequest): Thenable<vscode.TaskExecution> {
  const task = provider.task({ type: 'rebound', task: name });
  if (resume) {
    task.name = `${name} (resume)`;
    const label = task.name;
    task.execution = new vscode.CustomExecution(async () => new ReboundPseudoterminal((io) => coordinator.execute(name, io, resume), label));
  }
  return vscode.tasks.executeTask(task);
}

/** Run, cancel, resume and recover tasks from the palette, the Tasks view and notifications. */
export function registerTaskCommands(
  facade: () => TaskRunnerFacade,
  provider: ReboundTaskProvider,
  coordinator: TaskCoordinator,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const nameOf = async (arg: unknown, purpose: 'run' | 'cancel' | 'resume' = 'run'): Promise<string | undefined> => {
    if (typeof arg === 'string') return arg;
    const t = arg as TaskSummary | undefined;
    if (t?.name) return t.name;
    const all = facade().tasks();
    if (!all.length) {
      void vscode.window.showInformationMessage('Rebound: no tasks are configured in .rebound/config.json.', 'Open Configuration').then((p) => p && vscode.commands.executeCommand('rebound.openConfig'));
      return undefined;
    }
    // Each command picks among the tasks it can act on, under its own title.
    const tasks = purpose === 'cancel' ? all.filter((x) => coordinator.isRunning(x.name)) : purpose === 'resume' ? all.filter((x) => x.interrupted) : all;
    if (!tasks.length) {
      void vscode.window.showInformationMessage(purpose === 'cancel' ? 'Rebound: no task is running in this window.' : 'Rebound: no task has an interrupted run to resume.');
      return undefined;
    }
    const title = purpose === 'cancel' ? 'Cancel running Rebound task' : purpose === 'resume' ? 'Resume interrupted Rebound run' : 'Run Rebound task';
    const describe = (x: TaskSummary) => (purpose === 'cancel' ? (coordinator.live(x.name) ? describeLive(coordinator.live(x.name)!, Date.now()) : 'running') : x.detail);
    return (await vscode.window.showQuickPick(tasks.map((x) => ({ label: x.name, description: describe(x) })), { title }))?.label;
  };

  const runInTerminal = (name: string, resume?: ResumeRequest) => runTaskInTerminal(provider, coordinator, name, resume);

  const recover = async (run?: InterruptedRun) => {
    if (!requireTrust('recover interrupted runs')) return;
    const runs = facade().interrupted();
    const target =
      run ??
      (
        await vscode.window.showQuickPick(
          runs.map((r) => ({ label: r.name, description: `${r.completedSteps}/${r.totalSteps} steps done · started ${new Date(r.startedAt).toLocaleString()}`, r })),
          { title: 'Interrupted runs', placeHolder: runs.length ? 'Choose a run to recover' : 'No interrupted runs' },
        )
      )?.r;
    if (!target) return;
    const action = await vscode.window.showQuickPick(
      [
        { label: 'Resume', detail: `Continue from step ${target.completedSteps + 1} of ${target.totalSteps}`, action: 'resume' as const },
        { label: 'Roll back', detail: `Undo the ${target.completedSteps} completed step(s) in reverse order`, action: 'rollback' as const },
        { label: 'Abandon', detail: 'Mark it abandoned and leave everything as it is', action: 'abandon' as const },
      ],
      { title: `Recover "${target.name}"` },
    );
    if (!action) return;
    if (action.action === 'resume') {
      await runInTerminal(target.name, { runId: target.id, recovery: 'guided' });
      return;
    }
    const result = await vscode.window.withProgress(
      { location: { viewId: 'rebound.tasks' }, title: `${action.label}: ${target.name}`, cancellable: true },
      async (_p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort(new Error('Cancelled')));
        try {
          return await facade().recover(target.id, action.action, { signal: ac.signal, onOutput: (t) => log.info(t.trimEnd()) }, 'guided');
        } catch (err) {
          // Another window or the CLI took the run over, or its task is gone from config.json.
          return { ok: false, message: (err as Error).message };
        }
      },
    );
    if (result.ok) void vscode.window.showInformationMessage(`Rebound: ${result.message}`);
    else void vscode.window.showWarningMessage(`Rebound: ${result.message}`);
  };

  return [
    vscode.commands.registerCommand('rebound.runTask', async (arg: unknown) => {
      if (!requireTrust('run tasks')) return;
      const name = await nameOf(arg);
      if (name) await runInTerminal(name);
    }),
    vscode.commands.registerCommand('rebound.task.cancel', async (arg: unknown) => {
      const name = await nameOf(arg, 'cancel');
      if (name && !coordinator.cancel(name)) void vscode.window.showInformationMessage(`Rebound: task "${name}" is not running.`);
    }),
    vscode.commands.registerCommand('rebound.task.resume', async (arg: unknown) => {
      if (!requireTrust('resume tasks')) return;
      const name = await nameOf(arg, 'resume');
      if (!name) return;
      // Only a run whose process died is resumed (through recovery, so the plan is recorded); a
      // failed run is run again with Run Task, and its dead letter is retried from the queue.
      const interrupted = facade().interrupted().find((r) => r.name === name);
      if (interrupted) await runInTerminal(name, { runId: interrupted.id, recovery: 'guided' });
      else void vscode.window.showInformationMessage(`Rebound: task "${name}" has no interrupted run to resume; use Run Task to run it again.`);
    }),
    vscode.commands.registerCommand('rebound.recovery.show', (run?: InterruptedRun) => recover(run?.id ? run : undefined)),
  ];
}

export type RecoveryStrategySetting = 'guided' | 'automatic' | 'manual';

/**
 * What happens at start-up to runs whose process died: `guided` asks once (resume, roll back or
 * abandon), `automatic` resumes them and speaks only when that fails, `manual` leaves them to the
 * Tasks view and the Recover command. Nothing happens when notifications are off, except `automatic`
 * (whose runs show in a terminal like any other, cancellable there). Resolves true when it resumed
 * runs or the user chose to recover them, so the caller refreshes the views only then.
 */
export async function handleInterrupted(
  facade: () => TaskRunnerFacade,
  resumeInTerminal: (name: string, resume: ResumeRequest) => Thenable<unknown>,
  strategy: RecoveryStrategySetting,
  notifications: 'off' | 'failures' | 'all',
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  let runs: InterruptedRun[];
  try {
    runs = facade().interrupted();
  } catch {
    return false;
  }
  if (!runs.length || strategy === 'manual') return false;
  if (strategy === 'automatic') {
    for (const run of runs) {
      log.info(`resuming interrupted run ${run.id} of task "${run.name}" (recovery strategy: automatic)`);
      try {
        await resumeInTerminal(run.name, { runId: run.id, recovery: 'automatic' });
      } catch (err) {
        log.warn(`could not start the resume of run ${run.id}: ${(err as Error).message}`);
      }
    }
    return true;
  }
  if (notifications === 'off') return false;
  const pick = await vscode.window.showWarningMessage(
    runs.length === 1 ? `Rebound: the run of task "${runs[0].name}" was interrupted after ${runs[0].completedSteps} of ${runs[0].totalSteps} steps.` : `Rebound: ${runs.length} task runs were interrupted.`,
    'Recover…',
  );
  if (!pick) return false;
  await vscode.commands.executeCommand('rebound.recovery.show', runs.length === 1 ? runs[0] : undefined);
  return true;
}
