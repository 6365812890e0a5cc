import { existsSync, realpathSync, statSync } from 'node:fs';
import * as nodePath from 'node:path';
import { ConfigurationError } from '../engine/errors';

/** `node:path` for this platform, or `path.win32` / `path.posix` to check the other's paths. */
export type PathApi = Pick<nodePath.PlatformPath, 'resolve' | 'relative' | 'isAbsolute' | 'sep' | 'dirname' | 'join' | 'basename'>;

/**
 * Whether `target` (absolute, or relative to `root`) lies inside the folder `root` (or is it).
 * Pure: no file system. Windows paths compare case-insensitively, a path on another drive or
 * share is outside, and `..` steps are resolved before comparing.
 */
export function isInsideFolder(root: string, target: string, p: PathApi = nodePath): boolean {
  const base = p.resolve(root);
  const rel = p.relative(base, p.resolve(base, target));
  if (rel === '') return true;
  if (p.isAbsolute(rel)) return false; // another drive or UNC share
  const first = rel.split(p.sep)[0];
  return first !== '..';
}

/**
 * The real path of `target`: the nearest folder of it that exists is resolved through symbolic
 * links, the rest appended. So `data/app.db` where `data` links to `/tmp` is `/tmp/app.db`.
 */
export function realPathOf(target: string): string {
  let existing = nodePath.resolve(target);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = nodePath.dirname(existing);
    if (parent === existing) break;
    rest.unshift(nodePath.basename(existing));
    existing = parent;
  }
  let real = existing;
  try {
    real = realpathSync.native(existing);
  } catch {
    // Unreadable: compare the path as written.
  }
  return rest.length === 0 ? real : nodePath.join(real, ...rest);
}

/** Whether `target` is inside `root` both as written and once symbolic links are followed. */
export function isInsideWorkspace(root: string, target: string): boolean {
  const abs = nodePath.resolve(root, target);
  return isInsideFolder(root, abs) && isInsideFolder(realPathOf(root), realPathOf(abs));
}

export interface ConfiguredPath {
  /** The JSON path of the key, e.g. `databases.app.path`. */
  key: string;
  /** The value as written in the config. */
  value: string;
  /** Whether the file itself (false) or the folder (true) is meant. */
  folder: boolean;
}

/**
 * Refuses configured paths that lead outside the workspace folder (`../../tmp/x.db`, `/tmp/x.db`,
 * a symbolic link out of it) unless `allow` names the key that allows them; even then, folders
 * outside the workspace are not created by Rebound: the file's folder (or the folder itself) must
 * exist. Returns the absolute paths; throws a ConfigurationError naming the config file, the key
 * and what to do.
 */
export function checkConfiguredPaths(root: string, configFile: string, paths: readonly ConfiguredPath[], allow: { key: string; allowed: boolean }): string[] {
  return paths.map(({ key, value, folder }) => {
    const abs = nodePath.resolve(root, value);
    if (isInsideWorkspace(root, abs)) return abs;
    if (!allow.allowed) {
      throw new ConfigurationError(
        `${configFile}: ${key} "${value}" leads outside the workspace folder ${root} (to ${realPathOf(abs)}). ` +
          `Put it inside the workspace, or set "${allow.key}": true to allow a path outside it on purpose.`,
        { context: { component: 'config', file: configFile } },
      );
    }
    const mustExist = folder ? abs : nodePath.dirname(abs);
    let isDir = false;
    try {
      isDir = statSync(mustExist).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      throw new ConfigurationError(
        `${configFile}: ${key} "${value}" is outside the workspace (allowed by "${allow.key}"), and the folder ${mustExist} does not exist. ` +
          'Rebound does not create folders outside the workspace: create it first.',
        { context: { component: 'config', file: configFile } },
      );
    }
    return abs;
  });
}
