export type IssueStatus = 'unresolved' | 'resolved' | 'ignored';
export type IssueSubstatus = 'new' | 'ongoing' | 'regressed' | 'escalating';
/**
 * The substatus as shown: `recovered` is a resolved issue whose every stored event a retry of the
 * same run recovered (kept as `resolvedBy` {@link RECOVERED_BY_RETRY}); a new event makes it
 * unresolved again (regressed), and it becomes recovered again only if that failure is recovered too.
 */
export type ShownSubstatus = IssueSubstatus | 'recovered';

/** `resolvedBy` of an issue resolved because a retry of the same run recovered each of its failures. */
export const RECOVERED_BY_RETRY = 'rebound: recovered by a retry of the same run';

/** How long an ignored issue stays ignored: forever, for N more events, or until a date. */
export type IgnoreCondition = { mode: 'forever' } | { mode: 'count'; count: number } | { mode: 'until'; until: number };

export type IgnoreState = { mode: 'forever' } | { mode: 'count'; remaining: number } | { mode: 'until'; until: number };

/** The triage state of one issue (plain JSON; the store keeps it in columns). */
export interface IssueState {
  status: IssueStatus;
  substatus: IssueSubstatus;
  /** When the substatus last changed. */
  substatusSince: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  resolvedAt?: number;
  resolvedBy?: string;
  ignore?: IgnoreState;
  /** Start of the current rate window and the events in it (also used for flood control). */
  windowStart: number;
  windowCount: number;
  /** Usual events per window (exponentially weighted), once a window has closed. */
  baselineRate?: number;
}

export interface IssuePolicy {
  /** Length of a rate window (default one hour). */
  windowMs: number;
  /** How long an issue stays `new` (or `regressed`) before it becomes `ongoing` (default 7 days). */
  newPeriodMs: number;
  /** Escalating when a window has more than `escalationFactor` x the usual rate ... */
  escalationFactor: number;
  /** ... and more than this many events. */
  escalationMinEvents: number;
  /** Weight of the latest window in the usual rate (0..1). */
  baselineWeight: number;
}

export const DEFAULT_ISSUE_POLICY: IssuePolicy = {
  windowMs: 3_600_000,
  newPeriodMs: 7 * 86_400_000,
  escalationFactor: 5,
  escalationMinEvents: 10,
  baselineWeight: 0.3,
};

/** What an event or an action did to an issue, for notifications and views. */
export type IssueTransition = 'created' | 'regressed' | 'escalated' | 'deescalated' | 'unignored' | 'aged' | 'resolved' | 'ignored' | 'reopened' | 'recovered';

export interface Applied {
  state: IssueState;
  transitions: IssueTransition[];
}

/** A new issue for its first event. */
export function createIssueState(time: number, policy: IssuePolicy = DEFAULT_ISSUE_POLICY): IssueState {
  return {
    status: 'unresolved',
    substatus: 'new',
    substatusSince: time,
    firstSeen: time,
    lastSeen: time,
    count: 1,
    windowStart: time - (time % policy.windowMs),
    windowCount: 1,
  };
}

/**
 * One more event of the issue: counts and the rate window move on; a resolved issue reopens as
 * regressed; an ignored one comes back when its condition is met; an unresolved one escalates
 * when its rate jumps well above its usual level and ages from new to ongoing.
 */
export function applyEvent(prev: IssueState, time: number, policy: IssuePolicy = DEFAULT_ISSUE_POLICY): Applied {
  const s: IssueState = { ...prev, ignore: prev.ignore && { ...prev.ignore } };
  const transitions: IssueTransition[] = [];
  applyEventInPlace(s, time, policy, transitions);
  return { state: s, transitions };
}

/**
 * {@link applyEvent} without copying: `s` (and its `ignore`) is changed in place and the
 * transitions are appended to `transitions`. For callers that own the state object (the record
 * pipeline updates one state per issue for a whole batch).
 */
export function applyEventInPlace(s: IssueState, time: number, policy: IssuePolicy, transitions: IssueTransition[]): void {
  s.count += 1;
  s.lastSeen = Math.max(s.lastSeen, time);
  s.firstSeen = Math.min(s.firstSeen, time);

  if (time >= s.windowStart + policy.windowMs) {
    const k = Math.floor((time - s.windowStart) / policy.windowMs);
    const a = policy.baselineWeight;
    let rate = s.baselineRate === undefined ? s.windowCount : s.baselineRate * (1 - a) + s.windowCount * a;
    rate *= Math.pow(1 - a, k - 1);
    s.baselineRate = rate;
    s.windowStart += k * policy.windowMs;
    s.windowCount = 0;
    if (s.substatus === 'escalating' && s.status === 'unresolved') setStatus(s, time, 'unresolved', 'ongoing', 'deescalated', transitions);
  }
  s.windowCount += 1;

  if (s.status === 'resolved') {
    setStatus(s, time, 'unresolved', 'regressed', 'regressed', transitions);
    delete s.resolvedAt;
    delete s.resolvedBy;
  } else if (s.status === 'ignored' && s.ignore) {
    const ig = s.ignore;
    if (ig.mode === 'count') {
      ig.remaining -= 1;
      if (ig.remaining <= 0) {
        delete s.ignore;
        setStatus(s, time, 'unresolved', 'escalating', 'unignored', transitions);
      }
    } else if (ig.mode === 'until' && time >= ig.until) {
      delete s.ignore;
      setStatus(s, time, 'unresolved', 'ongoing', 'unignored', transitions);
    }
  } else if (s.status === 'unresolved') {
    const limit = Math.max(policy.escalationMinEvents, policy.escalationFactor * (s.baselineRate ?? 0));
    if (s.substatus !== 'escalating' && s.baselineRate !== undefined && s.windowCount > limit) {
      setStatus(s, time, 'unresolved', 'escalating', 'escalated', transitions);
    } else if ((s.substatus === 'new' || s.substatus === 'regressed') && time - s.substatusSince >= policy.newPeriodMs) {
      setStatus(s, time, 'unresolved', 'ongoing', 'aged', transitions);
    }
  }
}

function setStatus(s: IssueState, time: number, status: IssueStatus, substatus: IssueSubstatus, t: IssueTransition, transitions: IssueTransition[]): void {
  s.status = status;
  if (s.substatus !== substatus) {
    s.substatus = substatus;
    s.substatusSince = time;
  }
  transitions.push(t);
}

export function resolveIssue(prev: IssueState, time: number, by?: string): Applied {
  const s: IssueState = { ...prev, status: 'resolved', resolvedAt: time };
  delete s.ignore;
  if (by !== undefined) s.resolvedBy = by;
  else delete s.resolvedBy;
  return { state: s, transitions: ['resolved'] };
}

/** The substatus a view shows: `recovered` for an issue that retries recovered, else the stored one. */
export function shownSubstatus(s: Pick<IssueState, 'status' | 'substatus' | 'resolvedBy'>): ShownSubstatus {
  return s.status === 'resolved' && s.resolvedBy === RECOVERED_BY_RETRY ? 'recovered' : s.substatus;
}

/**
 * Every stored event of an unresolved issue was recovered by a retry of its run: the issue leaves
 * the unresolved list as resolved by that retry (substatus shown `recovered`). Other states stay.
 */
export function recoverIssue(prev: IssueState, time: number): Applied {
  if (prev.status !== 'unresolved') return { state: prev, transitions: [] };
  const s: IssueState = { ...prev, status: 'resolved', resolvedAt: time, resolvedBy: RECOVERED_BY_RETRY };
  delete s.ignore;
  return { state: s, transitions: ['recovered'] };
}

export function ignoreIssue(prev: IssueState, condition: IgnoreCondition): Applied {
  const s: IssueState = { ...prev, status: 'ignored' };
  delete s.resolvedAt;
  delete s.resolvedBy;
  s.ignore =
    condition.mode === 'count'
      ? { mode: 'count', remaining: Math.max(1, Math.floor(condition.count)) }
      : condition.mode === 'until'
        ? { mode: 'until', until: condition.until }
        : { mode: 'forever' };
  return { state: s, transitions: ['ignored'] };
}

/** Back to unresolved by hand; the substatus becomes ongoing. */
export function reopenIssue(prev: IssueState, time: number): Applied {
  const s: IssueState = { ...prev, status: 'unresolved' };
  delete s.ignore;
  delete s.resolvedAt;
  delete s.resolvedBy;
  if (s.substatus !== 'ongoing') {
    s.substatus = 'ongoing';
    s.substatusSince = time;
  }
  return { state: s, transitions: ['reopened'] };
}
