/** Width of the alphabet: ASCII, letters folded to lower case, everything else one "other" symbol (0). */
const WIDTH = 128;

/** The symbol of a UTF-16 code unit: ASCII folded to lower case, anything else 0. */
export function symbol(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c < WIDTH ? c : 0;
}

/**
 * A case-insensitive multi-string matcher (Aho-Corasick as a full transition table), so any number
 * of ASCII keywords are found in one pass over the text at a few nanoseconds per character.
 */
export class AhoCorasick {
  /** States are stored premultiplied by WIDTH: next = delta[state + symbol]. */
  private readonly delta: Int32Array;
  /** 1 where a key ends at the state (indexed by state / WIDTH). */
  private readonly final: Uint8Array;
  /** Key ids ending at each state (own and through suffix links), or undefined. */
  private readonly outputs: Array<number[] | undefined>;
  /** Length of each key. */
  readonly lengths: number[];

  /** `keys[i]` must be non-empty printable ASCII; matches report i. */
  constructor(keys: readonly string[]) {
    const trie: Array<Map<number, number>> = [new Map()];
    const own: number[][] = [[]];
    this.lengths = keys.map((k) => k.length);
    keys.forEach((key, id) => {
      let s = 0;
      for (let i = 0; i < key.length; i++) {
        const c = symbol(key.charCodeAt(i));
        let t = trie[s].get(c);
        if (t === undefined) {
          t = trie.length;
          trie.push(new Map());
          own.push([]);
          trie[s].set(c, t);
        }
        s = t;
      }
      own[s].push(id);
    });
    const n = trie.length;
    const delta = new Int32Array(n * WIDTH);
    const fail = new Int32Array(n);
    const outputs: Array<number[] | undefined> = new Array(n).fill(undefined);
    const queue: number[] = [];
    for (let c = 0; c < WIDTH; c++) {
      const t = trie[0].get(c);
      delta[c] = t ?? 0;
      if (t !== undefined) queue.push(t);
    }
    outputs[0] = undefined;
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      const merged = [...own[s], ...(outputs[fail[s]] ?? [])];
      outputs[s] = merged.length ? merged : undefined;
      for (let c = 0; c < WIDTH; c++) {
        const t = trie[s].get(c);
        if (t === undefined) delta[s * WIDTH + c] = delta[fail[s] * WIDTH + c];
        else {
          fail[t] = delta[fail[s] * WIDTH + c];
          delta[s * WIDTH + c] = t;
          queue.push(t);
        }
      }
    }
    for (let i = 0; i < delta.length; i++) delta[i] *= WIDTH;
    this.delta = delta;
    this.outputs = outputs;
    this.final = Uint8Array.from(outputs, (o) => (o ? 1 : 0));
  }

  /** Calls `onMatch(keyId, start, end)` (end exclusive) for every occurrence, in text order. */
  scan(text: string, onMatch: (key: number, start: number, end: number) => void): void {
    const delta = this.delta;
    const final = this.final;
    let s = 0;
    for (let i = 0, n = text.length; i < n; i++) {
      let c = text.charCodeAt(i);
      c = c >= 65 && c <= 90 ? c + 32 : c < WIDTH ? c : 0;
      s = delta[s + c];
      if (final[s >> 7] === 1) {
        const out = this.outputs[s >> 7]!;
        for (let k = 0; k < out.length; k++) onMatch(out[k], i + 1 - this.lengths[out[k]], i + 1);
      }
    }
  }
}

/** True when every character is printable ASCII (what {@link AhoCorasick} keys may hold). */
export function isAsciiKey(s: string): boolean {
  return s.length > 0 && /^[\x20-\x7e]+$/.test(s);
}
