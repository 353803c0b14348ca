/**
 * Per-call options that travel with the async context instead of through
 * every method signature: `withSignal(signal, fn)` makes each driver call
 * started inside `fn` abortable by `signal`. The remote driver reads it for
 * its RPC calls; local drivers finish what they started.
 *
 *   const ac = new AbortController();
 *   setTimeout(() => ac.abort(), 1000);
 *   await withSignal(ac.signal, () => dom.getXMLDesc());
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface CallContext {
  signal?: AbortSignal | undefined;
}

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `fn` with `signal` attached to every driver call it makes. */
export function withSignal<T>(signal: AbortSignal | undefined, fn: () => T): T {
  return storage.run({ signal }, fn);
}

/** The signal of the call being made, if the caller attached one. */
export function currentSignal(): AbortSignal | undefined {
  return storage.getStore()?.signal;
}
