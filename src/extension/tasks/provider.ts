import * as vscode from 'vscode';
import type { TaskCoordinator } from './coordinator';
import type { TaskRunnerFacade } from './facade';
import { ReboundPseudoterminal } from './terminal';

export const TASK_TYPE = 'rebound';

interface ReboundTaskDefinition extends vscode.TaskDefinition {
  type: typeof TASK_TYPE;
  task: string;
}

/**
 * The tasks of .rebound/config.json as VS Code tasks of type `rebound`, run through
 * CustomExecution with a Pseudoterminal so the output shows while the engine sees it. Entries of
 * that type in tasks.json resolve to the same execution.
 */
export class ReboundTaskProvider implements vscode.TaskProvider {
  constructor(
    private readonly folder: vscode.WorkspaceFolder,
    private readonly facade: () => TaskRunnerFacade,
    private readonly coordinator: TaskCoordinator,
  ) {}

  provideTasks(): vscode.Task[] {
    let names: string[];
    try {
      names = this.facade().tasks().map((t) => t.name);
    } catch {
      return []; // a bad config.json is reported on the file itself
    }
    return names.map((name) => this.task({ type: TASK_TYPE, task: name }));
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const def = task.definition as ReboundTaskDefinition;
    if (typeof def.task !== 'string' || !def.task) return undefined;
    return this.task(def, task);
  }

  task(definition: ReboundTaskDefinition, from?: vscode.Task): vscode.Task {
    const name = definition.task;
    const label = from?.name ?? name;
    const t = new vscode.Task(
      definition,
      from?.scope ?? this.folder,
      label,
      TASK_TYPE,
      new vscode.CustomExecution(async () => new ReboundPseudoterminal((io) => this.coordinator.execute(name, io), label)),
      // Rebound scans the output itself (`problems` in config.json): an explicit empty list of
      // problem matchers, so Run Task does not ask whether to scan the output.
      from?.problemMatchers.length ? from.problemMatchers : [],
    );
    t.detail = 'Rebound: retries, rollback and recovery';
    t.presentationOptions = { reveal: vscode.TaskRevealKind.Always, panel: vscode.TaskPanelKind.Dedicated, clear: true };
    return t;
  }
}
