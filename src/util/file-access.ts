/**
 * Whether a file may be read or run, and finding a program in PATH, as
 * libvirt's virfile.c answers them. A missing file is the common case of a
 * PATH search, so it is answered from a stat without building an exception.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** access(R_OK) succeeds. */
export function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** virFileIsExecutable: it exists, is not a directory, and access(X_OK) succeeds. */
export function isExecutable(path: string): boolean {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st || st.isDirectory()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** virFindFileInPath: an absolute path if it is executable; a name is looked up in PATH. */
export function findFileInPath(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  if (name.startsWith('/')) return isExecutable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}
