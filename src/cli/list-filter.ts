/**
 * The client-side filtering virsh falls back to when a driver rejects the
 * filter flags of a list-all call (virshDomainListCollect,
 * virshStoragePoolListCollect…): every object of the unfiltered list is
 * asked for each property the flags name, and dropped (freed) when it does
 * not match. A failed question ends the listing with virsh's message.
 */
import { freeAll } from './lookup.js';
import { FAIL, type Shell } from './shell.js';

/** One property check: on when any of `bits` is in the flags. */
export interface ListFilter<T> {
  bits: number;
  /** virsh's message when asking fails. */
  error: string;
  /** Whether to keep `obj` (`match` tests the caller's flags), or FAIL when the question failed. */
  keep(ctl: Shell, obj: T, match: (f: number) => boolean): Promise<boolean | typeof FAIL>;
}

/** Applies `filters` in order; null (with the error reported) when one fails. */
export async function filterList<T extends { free(): void }>(ctl: Shell, list: T[], flags: number,
  filters: readonly ListFilter<T>[]): Promise<T[] | null> {
  const match = (f: number): boolean => (flags & f) !== 0;
  const kept: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const obj = list[i]!;
    let keep = true;
    for (const f of filters) {
      if (!keep) break;
      if (!match(f.bits)) continue;
      const r = await f.keep(ctl, obj, match);
      if (r === FAIL) {
        ctl.error(f.error);
        freeAll(kept);
        freeAll(list.slice(i));
        return null;
      }
      keep = r;
    }
    if (keep) kept.push(obj);
    else obj.free();
  }
  return kept;
}

/** A yes/no property: `yes` keeps the objects that have it, `no` those that do not. */
export function yesNoFilter<T>(yes: number, no: number, error: string,
  get: (obj: T) => Promise<boolean>): ListFilter<T> {
  return {
    bits: yes | no,
    error,
    async keep(ctl, obj, match) {
      const v = await ctl.attempt(get(obj));
      if (v === FAIL) return FAIL;
      return (match(yes) && v) || (match(no) && !v);
    },
  };
}
