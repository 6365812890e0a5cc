import type BetterSqlite3 from 'better-sqlite3';

export type Database = BetterSqlite3.Database;
export type Statement<P extends unknown[] | object = unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
type DatabaseConstructor = typeof BetterSqlite3;

/** better-sqlite3 could not be loaded: almost always a native binary built for another runtime. */
export class NativeModuleError extends Error {
  readonly code = 'RB-STORE-NATIVE';
  constructor(detail: string, options?: { cause?: unknown }) {
    super(
      `Rebound cannot load its SQLite driver (better-sqlite3): ${detail}. ` +
        `The native module must be built for the runtime that loads it (Node ${process.versions.node}, ` +
        `module ABI ${process.versions.modules}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}). ` +
        `For desktop VS Code rebuild it for VS Code's Electron, for example ` +
        `\`npx @electron/rebuild -f -w better-sqlite3 -v <Electron version from Help > About>\`; ` +
        `for the CLI or code-server run \`npm rebuild better-sqlite3\`.`,
      options,
    );
    this.name = 'NativeModuleError';
  }
}

let ctor: DatabaseConstructor | undefined;

/** Loads better-sqlite3 once, turning a load failure into an actionable {@link NativeModuleError}. */
export function sqlite(): DatabaseConstructor {
  if (ctor) return ctor;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ctor = require('better-sqlite3') as DatabaseConstructor;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new NativeModuleError(message, { cause: err });
  }
  return ctor;
}
