import * as vscode from 'vscode';

export type HealthLevel = 'healthy' | 'degraded' | 'failing';

export interface HealthSummary {
  level: HealthLevel;
  openIssues: number;
  openBreakers: number;
  deadLetters: number;
  /** One line per component that is not healthy, for the tooltip. */
  reasons: string[];
}

const ICON: Record<HealthLevel, string> = { healthy: '$(pass)', degraded: '$(warning)', failing: '$(error)' };

/**
 * The health summary on the left of the status bar; a click opens the dashboard. It is shown only
 * once Rebound has data to summarise, and never nags: colour only when something is failing.
 */
export class HealthStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('rebound.health', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Rebound Health';
    this.item.command = 'rebound.openDashboard';
  }

  update(summary: HealthSummary | undefined): void {
    if (!summary) {
      this.item.hide();
      return;
    }
    // The worst component's health and the open-issue count, always both: "✓ Rebound" alone never
    // hides open issues, and a level other than healthy is named.
    const parts = [`${ICON[summary.level]} Rebound${summary.level === 'healthy' ? '' : `: ${summary.level}`}`];
    if (summary.openIssues) parts.push(`${summary.openIssues} open`);
    if (summary.openBreakers) parts.push(`$(circuit-board) ${summary.openBreakers}`);
    if (summary.deadLetters) parts.push(`$(inbox) ${summary.deadLetters}`);
    this.item.text = parts.join(' ');
    const tip = new vscode.MarkdownString(undefined, true);
    tip.appendMarkdown(`**Rebound: ${summary.level}**\n\n`);
    tip.appendText(`${summary.openIssues} open issue(s), ${summary.openBreakers} open breaker(s), ${summary.deadLetters} dead letter(s).`);
    for (const r of summary.reasons) {
      tip.appendMarkdown('\n\n- ');
      tip.appendText(r);
    }
    tip.appendMarkdown('\n\nClick to open the dashboard.');
    this.item.tooltip = tip;
    this.item.backgroundColor = summary.level === 'failing' ? new vscode.ThemeColor('statusBarItem.errorBackground') : summary.level === 'degraded' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: `Rebound health ${summary.level}: ${summary.openIssues} open issues, ${summary.openBreakers} open breakers, ${summary.deadLetters} dead letters` };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
