import * as vscode from 'vscode';
import { parseConfig, type ConfigProblem } from '../../engine/config';
import { ConfigurationError } from '../../engine/errors';
import { reboundDiagnostic } from './convert';

/** The code every config diagnostic carries (linked to its guidance). */
export const CONFIG_DIAGNOSTIC_CODE = ConfigurationError.defaults.code;
const GLOB = '**/.rebound/config.json';

export interface ConfigDiagnosticsOptions {
  /** Diagnostics are shown only while this says so (default: always). */
  enabled?: () => boolean;
  /** Wait this long after the last edit before validating (default 200 ms). */
  debounceMs?: number;
  /** Check the files on disk this long after registration, once the workbench is idle (default 1500 ms). */
  initialDelayMs?: number;
}

/** True for a `.rebound/config.json` file. */
export function isConfigUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' && /(^|\/)\.rebound\/config\.json$/.test(uri.path);
}

/** A config problem as a diagnostic (lines and columns are 1-based in problems, 0-based here). */
export function configDiagnostic(p: ConfigProblem): vscode.Diagnostic {
  const range = new vscode.Range(p.line - 1, p.column - 1, p.endLine - 1, p.endColumn - 1);
  return reboundDiagnostic(range, p.pathText ? `${p.pathText}: ${p.message}` : p.message, vscode.DiagnosticSeverity.Error, CONFIG_DIAGNOSTIC_CODE);
}

/**
 * Validates every `.rebound/config.json`: open documents on open and change (debounced), and the
 * files on disk (found at start and followed by a file watcher) while they are not open. Problems
 * are shown in the collection `rebound-config`, source `rebound`, code RB-CONFIG-001.
 */
export function registerConfigDiagnostics(options: ConfigDiagnosticsOptions = {}): vscode.Disposable {
  const enabled = options.enabled ?? (() => true);
  const debounceMs = options.debounceMs ?? 200;
  const collection = vscode.languages.createDiagnosticCollection('rebound-config');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  let disposed = false;

  const openDocument = (uri: vscode.Uri) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());

  const show = (uri: vscode.Uri, text: string) => {
    if (disposed) return;
    if (!enabled()) {
      collection.delete(uri);
      return;
    }
    const result = parseConfig(text, uri.fsPath);
    collection.set(uri, result.ok ? [] : result.problems.map(configDiagnostic));
  };

  const validateDocument = (doc: vscode.TextDocument) => {
    if (isConfigUri(doc.uri)) show(doc.uri, doc.getText());
  };

  const schedule = (doc: vscode.TextDocument) => {
    if (!isConfigUri(doc.uri)) return;
    const key = doc.uri.toString();
    const pending = timers.get(key);
    if (pending) clearTimeout(pending);
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        if (!doc.isClosed) validateDocument(doc);
      }, debounceMs),
    );
  };

  /** The file as saved on disk, unless an editor has it open (then the editor's text counts). */
  const validateOnDisk = async (uri: vscode.Uri) => {
    if (!isConfigUri(uri) || openDocument(uri)) return;
    let bytes: Uint8Array;
    try {
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch {
      collection.delete(uri);
      return;
    }
    if (!openDocument(uri)) show(uri, new TextDecoder().decode(bytes));
  };

  const refreshAll = async () => {
    for (const doc of vscode.workspace.textDocuments) validateDocument(doc);
    const files = await vscode.workspace.findFiles(GLOB, '**/node_modules/**', 100);
    await Promise.all(files.map(validateOnDisk));
  };

  // One watcher per workspace folder (a RelativePattern): plain glob watchers miss files in
  // folders created after the workspace opened on some hosts (code-server). Folders added or
  // removed later get or lose theirs.
  const watchers = new Map<string, vscode.Disposable>();
  const watchFolder = (folder: vscode.WorkspaceFolder) => {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, GLOB));
    const subs = [
      watcher,
      watcher.onDidCreate((uri) => void validateOnDisk(uri)),
      watcher.onDidChange((uri) => void validateOnDisk(uri)),
      watcher.onDidDelete((uri) => {
        if (!openDocument(uri)) collection.delete(uri);
      }),
    ];
    watchers.set(folder.uri.toString(), vscode.Disposable.from(...subs));
  };
  for (const folder of vscode.workspace.workspaceFolders ?? []) watchFolder(folder);
  const subscriptions: vscode.Disposable[] = [
    collection,
    { dispose: () => watchers.forEach((w) => w.dispose()) },
    vscode.workspace.onDidChangeWorkspaceFolders((e) => {
      for (const folder of e.removed) {
        watchers.get(folder.uri.toString())?.dispose();
        watchers.delete(folder.uri.toString());
      }
      for (const folder of e.added) watchFolder(folder);
    }),
    vscode.workspace.onDidOpenTextDocument(schedule),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (!isConfigUri(doc.uri)) return;
      const pending = timers.get(doc.uri.toString());
      if (pending) clearTimeout(pending);
      timers.delete(doc.uri.toString());
      // Closing without saving drops the edits: what counts again is the file on disk.
      void validateOnDisk(doc.uri);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('rebound.diagnostics.enabled')) return;
      if (!enabled()) collection.clear();
      else void refreshAll();
    }),
  ];

  // Files on disk are checked once the workbench is idle, never during activation.
  const initial = setTimeout(() => void refreshAll().catch(() => undefined), options.initialDelayMs ?? 1500);

  return {
    dispose: () => {
      disposed = true;
      clearTimeout(initial);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const s of subscriptions) s.dispose();
    },
  };
}
