import * as vscode from 'vscode';
import type { Guidance } from '../../engine/guidance';

/** Guidance as Markdown: catalog text is ours, but user rules supply text too, so all of it is escaped. */
export function guidanceMarkdown(g: Guidance): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['rebound.showGuidance'] };
  md.appendMarkdown('**');
  md.appendText(`${g.code}: ${g.title}`);
  md.appendMarkdown('**\n\n');
  md.appendText(g.explanation);
  if (g.steps.length) {
    md.appendMarkdown('\n\n');
    g.steps.forEach((s, i) => {
      md.appendMarkdown(`${i + 1}. `);
      md.appendText(s);
      md.appendMarkdown('\n');
    });
  }
  md.appendMarkdown(`\n\n[Open guidance](command:rebound.showGuidance?${encodeURIComponent(JSON.stringify([g.code]))})`);
  return md;
}

/** The guidance as a plain-text document (for "Show Guidance"). */
export function guidanceText(g: Guidance): string {
  const lines = [`# ${g.code}: ${g.title}`, '', g.explanation, ''];
  if (g.steps.length) {
    lines.push('## What to do', '');
    g.steps.forEach((s, i) => lines.push(`${i + 1}. ${s}`));
    lines.push('');
  }
  if (g.actions.length) {
    lines.push('## What Rebound can do', '');
    for (const a of g.actions) {
      lines.push(
        `- ${a.kind === 'retry' ? 'Retry the work' : a.kind === 'rollback' ? 'Roll back the completed steps' : a.kind === 'recover' ? 'Recover the interrupted run' : a.kind === 'openFile' ? `Open ${a.path}` : `Quick fix: ${a.id}`}`,
      );
    }
    lines.push('');
  }
  if (g.source !== 'builtin') lines.push(`(from the workspace's ${g.source})`);
  return lines.join('\n');
}
