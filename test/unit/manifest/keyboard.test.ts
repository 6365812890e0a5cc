import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Keybinding {
  command: string;
  key: string;
  when?: string;
}

const manifest = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
  contributes: { menus: Record<string, MenuItem[]>; keybindings: Keybinding[]; commands: Array<{ command: string }>; views: Record<string, Array<{ id: string }>> };
};

describe('package.json: every Rebound view action works from the keyboard', () => {
  const items = manifest.contributes.menus['view/item/context'];
  const inline = items.filter((m) => m.group?.startsWith('inline'));
  const menu = items.filter((m) => !m.group?.startsWith('inline'));

  const viewOf = (m: MenuItem) => /view == (\S+)/.exec(m.when ?? '')?.[1];
  /** The context-menu entry covers the inline one: the same condition, or the same one with a wider `viewItem` pattern. */
  const covers = (m: MenuItem, i: MenuItem) => {
    if (m.command !== i.command || viewOf(m) !== viewOf(i)) return false;
    if (m.when === i.when) return true;
    const item = (w?: string) => /viewItem =~ \/(.*)\//.exec(w ?? '')?.[1];
    const [mi, ii] = [item(m.when), item(i.when)];
    return !!mi && !!ii && ii.startsWith(mi.replace(/\/$/, ''));
  };

  it('offers every inline row action in the row\'s context menu (Shift+F10) under the same or a wider condition', () => {
    const missing = inline.filter((i) => !menu.some((m) => covers(m, i))).map((i) => `${i.command} when ${i.when}`);
    assert.deepEqual(missing, []);
  });

  it('binds keys to the main actions of each view, only while that view has the focus and no input does', () => {
    const views = manifest.contributes.views.rebound.map((v) => v.id);
    for (const id of views) {
      const bound = manifest.contributes.keybindings.filter((k) => k.when?.includes(`focusedView == ${id}`));
      assert.ok(bound.length >= 2, `${id} has key bindings`);
      for (const k of bound) assert.match(k.when!, /!inputFocus/, `${k.command} (${k.key}) stays out of text inputs`);
    }
    const commands = new Set(manifest.contributes.commands.map((c) => c.command));
    for (const k of manifest.contributes.keybindings) assert.ok(commands.has(k.command), `${k.command} is a contributed command`);
    // No two bindings share a key in one view.
    const seen = new Set<string>();
    for (const k of manifest.contributes.keybindings) {
      const view = /focusedView == (\S+)/.exec(k.when ?? '')?.[1];
      const key = `${view}:${k.key}`;
      assert.ok(!seen.has(key), `${k.key} is bound twice in ${view}`);
      seen.add(key);
    }
  });

  it('hands row commands the focused row (the workbench\'s view context, which the extension host turns into the element)', () => {
    const rowCommands = new Set(inline.map((i) => i.command));
    for (const k of manifest.contributes.keybindings.filter((x) => rowCommands.has(x.command))) {
      const view = /focusedView == (\S+)/.exec(k.when ?? '')?.[1];
      assert.deepEqual((k as Keybinding & { args?: unknown }).args, { $treeViewId: view, $focusedTreeItem: true }, `${k.command} (${k.key})`);
    }
  });

  it('binds each inline action of the Errors, Dead Letters, Tasks, Migrations and Health rows to a key', () => {
    const bound = new Set(manifest.contributes.keybindings.map((k) => k.command));
    const unbound = [...new Set(inline.map((i) => i.command))].filter((c) => !bound.has(c));
    assert.deepEqual(unbound, []);
  });
});
