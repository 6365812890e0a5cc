export interface PhaseResult {
  name: string;
  passed: number;
  failed: number;
  /** Titles of failed tests, or why the phase itself failed. */
  errors: string[];
}
