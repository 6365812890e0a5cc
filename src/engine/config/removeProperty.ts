import { findNodeAtLocation, parseTree, type JSONPath, type Node } from 'jsonc-parser';

/** A deletion of `length` characters at `offset` of a text. */
export interface Deletion {
  offset: number;
  length: number;
}

type Piece = { kind: 'comma' | 'comment' | 'newline' | 'space'; start: number; end: number };

/**
 * The deletions that remove the property at `path` from a JSON-with-comments text, keeping the
 * rest of the text as it is (no reformatting). A property followed by another goes up to that
 * one, with its comma and the comments on its own line; when the next property has comments on
 * the lines before it, those stay and the removed property's line goes instead. The last property
 * goes with the comma before it (comments after that comma stay). The only property goes alone.
 * A trailing comma and comments on the same line after the removed property go with it. Sorted,
 * non-overlapping; empty when the path is not a property of an object.
 */
export function removeProperty(text: string, path: JSONPath): Deletion[] {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const prop = root && path.length > 0 ? findNodeAtLocation(root, path)?.parent : undefined;
  const object = prop?.parent;
  if (!prop || prop.type !== 'property' || object?.type !== 'object' || !object.children) return [];
  const siblings = object.children;
  const i = siblings.indexOf(prop);
  const next = siblings[i + 1];
  const prev = siblings[i - 1];
  const propEnd = prop.offset + prop.length;

  if (next) {
    const gap = pieces(text, propEnd, next.offset);
    const firstBreak = gap.findIndex((p) => p.kind === 'newline');
    const keptComment = firstBreak >= 0 && gap.slice(firstBreak).some((p) => p.kind === 'comment');
    if (!keptComment) return [span(prop.offset, next.offset)];
    // The next property's comments stay: remove the lines of this one instead.
    const lineStart = startOfLine(text, prop.offset);
    const start = /^[ \t]*$/.test(text.slice(lineStart, prop.offset)) ? lineStart : prop.offset;
    return [span(start, gap[firstBreak].end)];
  }

  const end = endWithTrailing(text, propEnd, closingOffset(object));
  if (!prev) return [span(prop.offset, end)];
  const before = pieces(text, prev.offset + prev.length, prop.offset);
  const c = before.findIndex((p) => p.kind === 'comma');
  if (c < 0) return [span(prop.offset, end)];
  const comma = before[c];
  const lastAfterComma = before.slice(c + 1).filter((p) => p.kind === 'comment').pop();
  if (!lastAfterComma) {
    const lastBeforeComma = before.slice(0, c).filter((p) => p.kind === 'comment').pop();
    return [span(lastBeforeComma?.end ?? prev.offset + prev.length, end)];
  }
  // A comment after the comma (`"a": 1, // note`) stays where it is; only the comma goes.
  return [span(comma.start, comma.end), span(lastAfterComma.end, end)];
}

function span(start: number, end: number): Deletion {
  return { offset: start, length: end - start };
}

/** The end of a property with its trailing comma and the comments after it on its line. */
function endWithTrailing(text: string, propEnd: number, limit: number): number {
  let end = propEnd;
  for (const p of pieces(text, propEnd, limit)) {
    if (p.kind === 'newline') break;
    if (p.kind === 'comma' || p.kind === 'comment') end = p.end;
  }
  return end;
}

/** The offset of the `}` that closes an object node. */
function closingOffset(object: Node): number {
  return object.offset + object.length - 1;
}

function startOfLine(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

/** What lies between two values of an object: whitespace, line breaks, commas and comments. */
function pieces(text: string, from: number, to: number): Piece[] {
  const out: Piece[] = [];
  let i = from;
  while (i < to) {
    const start = i;
    const ch = text[i];
    if (ch === ',') {
      out.push({ kind: 'comma', start, end: ++i });
    } else if (ch === '\r' || ch === '\n') {
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      out.push({ kind: 'newline', start, end: i });
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < to && text[i] !== '\n' && text[i] !== '\r') i++;
      out.push({ kind: 'comment', start, end: i });
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 || close + 2 > to ? to : close + 2;
      out.push({ kind: 'comment', start, end: i });
    } else {
      while (i < to && !/[,\r\n/]/.test(text[i])) i++;
      if (i === start) i++;
      out.push({ kind: 'space', start, end: i });
    }
  }
  return out;
}
