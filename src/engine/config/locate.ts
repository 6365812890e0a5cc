import { findNodeAtLocation, type Node } from 'jsonc-parser';
import type { LocatedIssue } from './problems';

/** A range of the text as offsets (end exclusive). */
export interface OffsetRange {
  start: number;
  end: number;
}

/**
 * The range a problem is shown at: the value at its path; for an unknown or invalid key, the key.
 * An object or array value that is a property's value is shown at the property's key (one line,
 * not the whole block). When the path does not exist (a missing key), the nearest existing parent
 * is used the same way. The root object is shown at its opening brace.
 */
export function locate(root: Node | undefined, issue: LocatedIssue): OffsetRange {
  if (issue.range) return issue.range;
  if (!root) return { start: 0, end: 0 };
  const node = findNodeAtLocation(root, issue.path);
  if (node && issue.on === 'key' && node.parent?.type === 'property' && node.parent.children?.[0]) return rangeOf(node.parent.children[0]);
  for (let n = issue.path.length; n >= 0; n--) {
    const found = n === issue.path.length ? node : findNodeAtLocation(root, issue.path.slice(0, n));
    if (!found) continue;
    if (found.type !== 'object' && found.type !== 'array') return rangeOf(found);
    if (found.parent?.type === 'property' && found.parent.children?.[0]) return rangeOf(found.parent.children[0]);
    return found === root ? { start: found.offset, end: found.offset + 1 } : rangeOf(found);
  }
  return { start: root.offset, end: root.offset + 1 };
}

function rangeOf(node: Node): OffsetRange {
  return { start: node.offset, end: node.offset + node.length };
}
