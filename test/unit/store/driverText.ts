import { sqliteDriver } from '../../../src/store/sqlite';

/**
 * TEXT as the running driver reads it back. node:sqlite (Node 22 and 24) builds a string from the
 * C string SQLite returns, so a value with a NUL character reads back only up to that NUL; the
 * bytes stored are complete with either driver (tests check them with length(CAST(x AS BLOB))).
 */
export function asRead(text: string): string {
  if (sqliteDriver().name !== 'node:sqlite') return text;
  const nul = text.indexOf('\u0000');
  return nul < 0 ? text : text.slice(0, nul);
}
