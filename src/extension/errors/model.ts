import type { Issue } from '../../store/issues';
import type { StoredEvent } from '../../store/events';
import type { StoreHandles } from '../session';
import type { ErrorsModel, EventRow, GroupBy, IssueDetail } from './tree';
import type { IssueRow, IssueStatus, Severity } from '../../shared/protocol';

/** An issue as a row of the dashboard's grid (and the head of the Errors view's detail). */
export function toIssueRow(i: Issue): IssueRow {
  return {
    id: i.id,
    title: i.title,
    code: i.code,
    category: i.category,
    severity: i.severity,
    status: i.status,
    substatus: i.substatus,
    component: i.component,
    count: i.count,
    lastSeen: i.lastSeen,
  };
}

export function toIssueDetail(i: Issue): IssueDetail {
  return { ...toIssueRow(i), firstSeen: i.firstSeen, culprit: i.culprit, task: i.task, migration: i.migration };
}

export function toEventRow(e: StoredEvent): EventRow {
  return {
    id: e.id,
    time: e.time,
    message: e.message,
    code: e.code,
    severity: e.severity,
    attempt: e.attempt,
    file: e.file,
    line: e.line,
    column: e.column,
    task: e.task,
    step: e.step,
  };
}

/** The Errors view's queries over the workspace store. */
export function errorsModel(h: StoreHandles): ErrorsModel {
  return {
    groupCounts: (by: GroupBy) => h.explorer.groupCounts(by),
    severityCounts: (status: IssueStatus) => h.explorer.severityCounts(status) as Array<{ key: Severity; count: number }>,
    issues: (filter, limit) => {
      const issues = h.explorer
        .issueIds(filter.by, filter.key, limit, filter.severity)
        .map((id) => h.errors.getIssue(id))
        .filter((i): i is Issue => !!i)
        .map(toIssueDetail);
      // Which of them have an event with a source location (one indexed query), so "Open Source
      // Location" is only offered where there is one.
      if (issues.length) {
        const located = new Set(
          (h.errors.db.prepare(`SELECT DISTINCT issue_id AS id FROM events WHERE file IS NOT NULL AND issue_id IN (${issues.map(() => '?').join(', ')})`).all(...issues.map((i) => i.id)) as Array<{ id: number }>).map((r) => r.id),
        );
        for (const i of issues) i.hasSource = located.has(i.id);
      }
      return issues;
    },
    latestEvents: (issueId, limit) => h.errors.listEvents({ issueId }, { limit }).items.map(toEventRow),
    openIssueCount: () => h.explorer.severityCounts('unresolved').reduce((n, s) => n + s.count, 0),
  };
}
