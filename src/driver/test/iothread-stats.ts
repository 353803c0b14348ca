/**
 * The IOThread polling values the 9.0 test driver keeps per domain object
 * (testDomainObjPrivate's iothreads array): filled from the definition of a
 * domain loaded from the host file, grown by virDomainAddIOThread, shrunk
 * by virDomainDelIOThread (whatever the flags), changed by
 * virDomainSetIOThreadParams and reported by the IOTHREAD stats group of
 * a running domain.
 */
import type { TypedParam } from '../driver.js';
import { TypedParamType as T } from '../../conf/domain-constants.js';
import type { DomainDef } from '../../conf/domain-def.js';

export interface IOThreadStat { id: number; pollMaxNs: number; pollGrow: number; pollShrink: number }

/** testIOThreadInfo's starting polling time. */
const DEFAULT_POLL_MAX_NS = 32768;

const byObject = new WeakMap<object, IOThreadStat[]>();

/** The object's list (empty until something fills it). */
export function iothreadStats(obj: object): IOThreadStat[] {
  let list = byObject.get(obj);
  if (!list) byObject.set(obj, list = []);
  return list;
}

export function newIOThreadStat(id: number): IOThreadStat {
  return { id, pollMaxNs: DEFAULT_POLL_MAX_NS, pollGrow: 0, pollShrink: 0 };
}

/** A domain read from the host file starts with its definition's IOThreads. */
export function initIOThreadStats(obj: object, def: DomainDef): void {
  const ids = def.misc.find((m) => m.name === '#iothreads')?.children ?? [];
  byObject.set(obj, ids.map((c) => newIOThreadStat(Number(c.attrs.find(([k]) => k === 'id')?.[1]))));
}

/** The "iothread." stats of a running domain: nothing without IOThreads. */
export function iothreadStatsParams(obj: object): TypedParam[] {
  const list = iothreadStats(obj);
  if (list.length === 0) return [];
  const out: TypedParam[] = [{ field: 'iothread.count', type: T.UINT, value: list.length }];
  for (const t of list) {
    out.push({ field: `iothread.${t.id}.poll-max-ns`, type: T.ULLONG, value: t.pollMaxNs },
      { field: `iothread.${t.id}.poll-grow`, type: T.UINT, value: t.pollGrow },
      { field: `iothread.${t.id}.poll-shrink`, type: T.UINT, value: t.pollShrink });
  }
  return out;
}
