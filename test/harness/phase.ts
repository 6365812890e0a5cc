export interface PhaseResult {
  name: string;
  passed: number;
  failed: number;
  /** Titles of failed tests, or why the phase itself failed. */
  errors: string[];
}

/** A failed test's title and the first lines of its error, for the closing summary (CI keeps only the tail of the output). */
export function failureLine(title: string, err: unknown): string {
  const text = String((err as Error)?.message ?? err ?? '').trim();
  const lines = text.split('\n').slice(0, 6).join('\n      ');
  return lines ? `${title}\n      ${lines.length > 800 ? `${lines.slice(0, 800)}…` : lines}` : title;
}
