/**
 * A full garbage collection on demand, for a daemon that wants its memory
 * back after a burst (server.ts). `global.gc` exists only under
 * --expose-gc; the flag can also be set at run time, and a fresh context
 * then sees the function.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (opts?: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let gc: Gc | null | undefined;

function find(): Gc | null {
  const g = (globalThis as { gc?: Gc }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const fn: unknown = runInNewContext('gc');
    return typeof fn === 'function' ? (fn as Gc) : null;
  } catch {
    return null;
  }
}

/**
 * Runs V8's most thorough collection (the "last resort" one, as under
 * memory pressure: repeated full GCs, then unused pages handed back);
 * false when this V8 offers none.
 */
export function fullGc(): boolean {
  if (gc === undefined) gc = find();
  if (!gc) return false;
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}
