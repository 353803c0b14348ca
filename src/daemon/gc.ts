/**
 * A full garbage collection on demand, for a daemon that wants its memory
 * back after a burst (server.ts). `global.gc` exists only under
 * --expose-gc; the flag can also be set at run time, and a fresh context
 * then sees the function.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

function find(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

/** Runs a full, compacting collection; false when this V8 offers none. */
export function fullGc(): boolean {
  if (gc === undefined) gc = find();
  if (!gc) return false;
  gc();
  return true;
}
