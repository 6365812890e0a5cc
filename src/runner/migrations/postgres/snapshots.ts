import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { MigrationError } from '../../../engine/errors';
import type { LockRow, MigrationSnapshots, MigrationTarget } from '../target';
import type { PostgresConnection } from './connection';
import { expandUrl, redactMessage } from './url';

/** The url without its password, and the password for PGPASSWORD (never on a command line, where `ps` shows it). */
export function splitCredentials(expanded: string, database?: string): { url: string; env: NodeJS.ProcessEnv } {
  const u = new URL(expanded);
  const env: NodeJS.ProcessEnv = {};
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  u.searchParams.delete('password');
  if (database !== undefined) u.pathname = `/${encodeURIComponent(database)}`;
  return { url: u.toString(), env };
}

function run(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(
          new MigrationError(`${tool} is not on PATH, so PostgreSQL snapshots cannot be taken or restored. Install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client; macOS: brew install libpq), or set "snapshots": false for this database.`, {
            code: 'RB-MIGRATE-SNAPSHOT', guidance: 'RB-MIGRATE-001', context: { component: 'migrations' },
          }),
        );
      } else reject(err);
    });
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new MigrationError(`${tool} failed (exit ${code}): ${redactMessage(stderr.trim()).slice(0, 500)}`, { code: 'RB-MIGRATE-SNAPSHOT', guidance: 'RB-MIGRATE-001', context: { component: 'migrations' } }));
    });
  });
}

/** Snapshots with pg_dump -Fc, restored with pg_restore --clean --if-exists; clones are scratch databases. */
export class PostgresSnapshots implements MigrationSnapshots {
  constructor(
    private readonly conn: PostgresConnection,
    private readonly clone: (file: string) => Promise<MigrationTarget>,
  ) {}

  async snapshotTo(file: string): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    rmSync(file, { force: true });
    const { url, env } = splitCredentials(expandUrl(this.conn.options.url), this.conn.options.database);
    await run('pg_dump', ['-Fc', '--no-owner', '-f', file, '-d', url], env);
  }

  async restoreFrom(file: string, lock: LockRow | undefined): Promise<void> {
    const { url, env } = splitCredentials(expandUrl(this.conn.options.url), this.conn.options.database);
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--single-transaction', '-d', url, file], env);
    this.conn.forgetMetadata();
    await this.conn.ensureMetadata();
    await this.conn.query(`DELETE FROM ${this.conn.q('lock')}`);
    if (lock) {
      await this.conn.query(
        `INSERT INTO ${this.conn.q('lock')} (id, owner_id, pid, host, "user", command, acquired_at, heartbeat_at, expiry_ms) VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)`,
        [lock.id, lock.pid, lock.host, lock.user, lock.command, lock.acquiredAt, lock.heartbeatAt, lock.expiryMs],
      );
    }
  }

  cloneTo(file: string): Promise<MigrationTarget> {
    return this.clone(file);
  }
}
