import * as vscode from 'vscode';
import { requireTrust } from '../trust';
import type { TaskCoordinator } from './coordinator';
import type { InterruptedRun, TaskRunnerFacade, TaskSummary } from './facade';
import type { ReboundTaskProvider } from './provider';
import { ReboundPseudoterminal } from './terminal';

/** Run, cancel, resume and recover tasks from the palette, the Tasks view and notifications. */
export function registerTaskCommands(
  facade: () => TaskRunnerFacade,
  provider: ReboundTaskProvider,
  coordinator: TaskCoordinator,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const nameOf = async (arg: unknown): Promise<string | undefined> => {
    if (typeof arg === 'string') return arg;
    const t = arg as TaskSummary | undefined;
    if (t?.name) return t.name;
    const tasks = facade().tasks();
    if (!tasks.length) {
      void vscode.window.showInformationMessage('Rebound: no tasks are configured in .rebound/config.json.', 'Open Configuration').then((p) => p && vscode.commands.executeCommand('rebound.openConfig'));
      return undefined;
    }
    return (await vscode.window.showQuickPick(tasks.map((x) => ({ label: x.name, description: x.detail })), { title: 'Run Rebound task' }))?.label;
  };

  const runInTerminal = async (name: string, resumeRunId?: string) => {
    const task = provider.task({ type: 'rebound', task: name });
    if (resumeRunId) {
      task.execution = new vscode.CustomExecution(async () => new ReboundPseudoterminal((io) => coordinator.execute(name, io, resumeRunId)));
      task.name = `${name} (resume)`;
    }
    return vscode.tasks.executeTask(task);
  };

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
      await runInTerminal(target.name, target.id);
      return;
    }
    const result = await vscode.window.withProgress(
      { location: { viewId: 'rebound.tasks' }, title: `${action.label}: ${target.name}`, cancellable: true },
      (_p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort(new Error('Cancelled')));
        return facade().recover(target.id, action.action, { signal: ac.signal, onOutput: (t) => log.info(t.trimEnd()) });
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
      const name = await nameOf(arg);
      if (name && !coordinator.cancel(name)) void vscode.window.showInformationMessage(`Rebound: task "${name}" is not running.`);
    }),
    vscode.commands.registerCommand('rebound.task.resume', async (arg: unknown) => {
      const name = await nameOf(arg);
      if (!name) return;
      const run = facade().interrupted().find((r) => r.name === name);
      if (run) await recover(run);
      else void vscode.window.showInformationMessage(`Rebound: task "${name}" has no interrupted run to resume.`);
    }),
    vscode.commands.registerCommand('rebound.recovery.show', (run?: InterruptedRun) => recover(run?.id ? run : undefined)),
  ];
}

export type RecoveryStrategySetting = 'guided' | 'automatic' | 'manual';

/**
 * What happens at start-up to runs whose process died: `guided` asks once (resume, roll back or
 * abandon), `automatic` resumes them and speaks only when that fails, `manual` leaves them to the
 * Tasks view and the Recover command. Nothing happens when notifications are off, except `automatic`.
 */
export async function handleInterrupted(
  facade: () => TaskRunnerFacade,
  strategy: RecoveryStrategySetting,
  notifications: string,
  log: vscode.LogOutputChannel,
): Promise<void> {
  let runs: InterruptedRun[];
  try {
    runs = facade().interrupted();
  } catch {
    return;
  }
  if (!runs.length || strategy === 'manual') return;
  if (strategy === 'automatic') {
    for (const run of runs) {
      log.info(`resuming interrupted run ${run.id} of task "${run.name}" (recovery strategy: automatic)`);
      const controller = new AbortController();
      const result = await facade().recover(run.id, 'resume', { signal: controller.signal, onOutput: (t) => log.info(t.trimEnd()) }, 'automatic');
      log.info(`run ${run.id}: ${result.message}`);
      if (!result.ok && notifications !== 'none') {
        const pick = await vscode.window.showWarningMessage(`Rebound could not resume the interrupted run of "${run.name}": ${result.message}`, 'Recover…', 'Show Log');
        if (pick === 'Recover…') await vscode.commands.executeCommand('rebound.recovery.show');
        else if (pick === 'Show Log') log.show(true);
      }
    }
    return;
  }
  if (notifications === 'none') return;
  const pick = await vscode.window.showWarningMessage(
    runs.length === 1 ? `Rebound: the run of task "${runs[0].name}" was interrupted after ${runs[0].completedSteps} of ${runs[0].totalSteps} steps.` : `Rebound: ${runs.length} task runs were interrupted.`,
    'Recover…',
  );
  if (pick) await vscode.commands.executeCommand('rebound.recovery.show', runs.length === 1 ? runs[0] : undefined);
}
