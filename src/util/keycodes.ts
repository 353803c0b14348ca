/**
 * Keycode sets as libvirt knows them (src/util/virkeycode.c): a codeset's
 * name and number, whether a keycode belongs to a codeset, and the value of
 * a symbolic key name. The data is in keycode-data.ts.
 */
import { KEYCODE_NAMES, KEYCODE_SETS, KEYCODE_VALUES } from './keycode-data.js';

/** VIR_DOMAIN_SEND_KEY_MAX_KEYS. */
export const SEND_KEY_MAX_KEYS = 16;

/** virKeycodeSetTypeToString. */
export function keycodeSetName(codeset: number): string | undefined {
  return KEYCODE_SETS[codeset];
}

/** virKeycodeSetTypeFromString: the codeset's number, or -1. */
export function keycodeSetFromName(name: string): number {
  return (KEYCODE_SETS as readonly string[]).indexOf(name);
}

let valueSets: ReadonlyArray<ReadonlySet<number>> | null = null;
const nameMaps = new Map<number, ReadonlyMap<string, number>>();

function values(codeset: number): ReadonlySet<number> | undefined {
  valueSets ??= KEYCODE_VALUES.map((spec) => {
    const set = new Set<number>();
    for (const part of spec.split(',')) {
      const [lo, hi] = part.split('-').map((h) => parseInt(h, 16)) as [number, number | undefined];
      for (let v = lo; v <= (hi ?? lo); v++) set.add(v);
    }
    return set;
  });
  return valueSets[codeset];
}

/** Whether virKeycodeValueTranslate(codeset, codeset, keycode) finds the keycode. */
export function isKeycodeInSet(codeset: number, keycode: number): boolean {
  return values(codeset)?.has(keycode) ?? false;
}

/** virKeycodeValueFromString: the value of a key name in a codeset, or -1. */
export function keycodeFromName(codeset: number, name: string): number {
  const set = keycodeSetName(codeset);
  const spec = set === undefined ? undefined : KEYCODE_NAMES[set];
  if (spec === undefined) return -1;
  let map = nameMaps.get(codeset);
  if (!map) {
    map = new Map(spec.split(' ').map((t) => {
      const eq = t.indexOf('=');
      return [t.slice(0, eq), parseInt(t.slice(eq + 1), 16)] as [string, number];
    }));
    nameMaps.set(codeset, map);
  }
  return map.get(name) ?? -1;
}
