import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ReboundApi } from '../../../src/extension/main';
import { root, waitFor } from './support';

const configDiagnostics = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'rebound' && typeof d.code === 'object' && d.code.value === 'RB-CONFIG-001');
const describeAll = (ds: vscode.Diagnostic[]) => ds.map((d) => `${d.range.start.line}:${d.range.start.character} ${d.message}`).join(' | ');

// Line numbers (0-based) matter below: keep the layout.
const BAD = `{
  // a config with mistakes
  "tasks": {
    "build": { "command": "make", "fallback": "test" },
    "test": { "command": "make test", "fallback": "build", "retires": 3 }
  }
}
`;
const GOOD = `{
  // fixed
  "tasks": {
    "build": { "command": "make", "fallback": "test" },
    "test": { "command": "make test", "retry": "quick" }
  }
}
`;

/**
 * .rebound/config.json files are validated in the editor: these use a nested folder of the test
 * workspace so the workspace's own config (used by the task suites) is left alone.
 */
describe('Config diagnostics in the editor', () => {
  before(async () => {
    await vscode.extensions.getExtension<ReboundApi>('rebound-dev.rebound')!.activate();
  });

  it('flags an unknown key and a fallback cycle at their places, and clears when fixed', async () => {
    const uri = vscode.Uri.file(join(root(), 'config-editor', '.rebound', 'config.json'));
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(BAD));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    const ds = await waitFor(() => {
      const d = configDiagnostics(uri);
      return d.length === 3 && d;
    }, 'three config diagnostics');

    const unknown = ds.find((d) => /unknown key "retires"/.test(d.message));
    assert.ok(unknown, describeAll(ds));
    assert.equal(unknown.range.start.line, 4);
    assert.equal(unknown.range.start.character, doc.lineAt(4).text.indexOf('"retires"'));
    assert.equal(unknown.range.end.character, doc.lineAt(4).text.indexOf('"retires"') + '"retires"'.length);
    assert.match(unknown.message, /^tasks\.test\.retires: /);
    assert.equal(unknown.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(typeof unknown.code === 'object' && unknown.code.target.scheme === 'command', 'the code links to guidance');

    const cycles = ds.filter((d) => /fallback cycle/.test(d.message)).sort((a, b) => a.range.start.line - b.range.start.line);
    assert.equal(cycles.length, 2, describeAll(ds));
    assert.equal(cycles[0].range.start.line, 3);
    assert.equal(cycles[0].range.start.character, doc.lineAt(3).text.indexOf('"test"'));
    assert.match(cycles[0].message, /build → test → build/);
    assert.equal(cycles[1].range.start.line, 4);
    assert.equal(cycles[1].range.start.character, doc.lineAt(4).text.indexOf('"build"'));

    await editor.edit((e) => e.replace(new vscode.Range(0, 0, doc.lineCount, 0), GOOD));
    await waitFor(() => configDiagnostics(uri).length === 0, 'the diagnostics to clear');
    await doc.save();
    assert.equal(configDiagnostics(uri).length, 0);
  });

  it('checks a config file on disk that is not open, following its changes', async () => {
    const uri = vscode.Uri.file(join(root(), 'config-disk', '.rebound', 'config.json'));
    const BROKEN = '{\n  "tasks": {\n    "lint": { "cwd": "." }\n  }\n}\n';
    const FIXED = '{\n  "tasks": {\n    "lint": { "command": "eslint ." }\n  }\n}\n';
    // Only the file watcher can see these writes (the file is not open). Its folder is part of the
    // fixture, so the watcher watches it from the start (a folder made now, with the file in it at
    // once, can be missed by inotify). The watcher process may still be starting early in a loaded
    // run and drop the first events, so a write is repeated until its effect shows; what is
    // asserted is that a change on disk is followed.
    const writeUntil = async <T>(text: string, seen: () => T | undefined | false, what: string): Promise<T> => {
      const end = Date.now() + 30_000;
      for (;;) {
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
        try {
          return await waitFor(seen, what, 3_000);
        } catch (err) {
          if (Date.now() > end) throw err;
        }
      }
    };
    const [missing] = await writeUntil(BROKEN, () => {
      const d = configDiagnostics(uri);
      return d.length === 1 && d;
    }, 'the missing-command diagnostic');
    assert.match(missing.message, /missing command/);
    assert.equal(missing.range.start.line, 2);
    await writeUntil(FIXED, () => configDiagnostics(uri).length === 0, 'the diagnostic to clear');
    await vscode.workspace.fs.delete(vscode.Uri.file(join(root(), 'config-disk')), { recursive: true });
  });
});
