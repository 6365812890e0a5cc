import type { Database, Statement } from './sqlite';

export type IssueGrouping = 'status' | 'component' | 'category' | 'task';

const COLUMN: Record<IssueGrouping, string> = { status: 'status', component: 'component', category: 'category', task: 'task' };

/**
 * The grouped counts the Errors view shows at its top levels: one GROUP BY over the issues table
 * per expanded node (the issues table is small next to events, so this stays fast at any size).
 */
export class ExplorerQueries {
  private readonly byGroup: Record<IssueGrouping, Statement<unknown[]>>;
  private readonly bySeverity: Statement<unknown[]>;
  private readonly idsIn: Record<IssueGrouping, Statement<unknown[]>>;
  private readonly idsInSeverity: Statement<unknown[]>;

  constructor(db: Database) {
    const make = (g: IssueGrouping) => db.prepare(`SELECT ${COLUMN[g]} AS key, count(*) AS count FROM issues GROUP BY ${COLUMN[g]} ORDER BY count DESC`);
    this.byGroup = { status: make('status'), component: make('component'), category: make('category'), task: make('task') };
    this.bySeverity = db.prepare(`SELECT severity AS key, count(*) AS count FROM issues WHERE status = ? GROUP BY severity`);
    // `IS ?` matches NULL too: issues without a component or task form their own group.
    const ids = (g: IssueGrouping) => db.prepare(`SELECT id FROM issues WHERE ${COLUMN[g]} IS ? ORDER BY last_seen DESC, id DESC LIMIT ?`).pluck();
    this.idsIn = { status: ids('status'), component: ids('component'), category: ids('category'), task: ids('task') };
    this.idsInSeverity = db.prepare(`SELECT id FROM issues WHERE status = ? AND severity = ? ORDER BY last_seen DESC, id DESC LIMIT ?`).pluck();
  }

  /** Ids of the most recent issues in one group (and severity, when grouping by status). */
  issueIds(by: IssueGrouping, key: string | null, limit: number, severity?: string): number[] {
    if (by === 'status' && severity) return this.idsInSeverity.all(key, severity, limit) as number[];
    return this.idsIn[by].all(key, limit) as number[];
  }

  groupCounts(by: IssueGrouping): Array<{ key: string | null; count: number }> {
    return this.byGroup[by].all() as Array<{ key: string | null; count: number }>;
  }

  severityCounts(status: string): Array<{ key: string; count: number }> {
    return this.bySeverity.all(status) as Array<{ key: string; count: number }>;
  }
}
