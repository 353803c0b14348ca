/**
 * A reviewable description of a program table: `{ name, number, shape }`
 * per entry plus the definitions of every named type, serialised one entry
 * per line so a wire change is a one-line diff.
 */
import { namedTypes, type AnyCodec } from '../xdr/index.js';
import type { Entry, ProgramInfo } from './program.js';

export interface EntrySnapshot {
  name: string;
  number: number;
  shape: Record<string, string | number | boolean | null>;
}

export interface ProgramSnapshot {
  program: string;
  version: number;
  entries: EntrySnapshot[];
  types: Record<string, string>;
}

function shapeOf(e: Entry): EntrySnapshot['shape'] {
  if (e.kind === 'event') return { kind: 'event', msg: e.msg.shape };
  const s: EntrySnapshot['shape'] = { kind: 'call', args: e.args.shape, ret: e.ret.shape };
  if (e.stream) s['stream'] = e.stream;
  if (e.sparse) s['sparse'] = true;
  if (e.fds) s['fds'] = e.fds;
  s['priority'] = e.priority;
  s['readonly'] = e.readonly;
  if (e.preAuth) s['preAuth'] = true;
  if (e.override) s['override'] = e.override.why;
  return s;
}

/** The snapshot of a program table. */
export function programSnapshot(p: ProgramInfo): ProgramSnapshot {
  const entries = p.entries();
  const roots: AnyCodec[] = [];
  for (const e of entries) {
    if (e.kind === 'event') roots.push(e.msg);
    else roots.push(e.args, e.ret);
  }
  const types = Object.fromEntries([...namedTypes(roots)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    program: '0x' + p.prog.toString(16).padStart(8, '0'),
    version: p.vers,
    entries: entries.map((e) => ({ name: e.name, number: e.number, shape: shapeOf(e) })),
    types,
  };
}

/** Serialises a snapshot with one entry and one type per line. */
export function formatSnapshot(s: ProgramSnapshot): string {
  const entries = s.entries.map((e) => '    ' + JSON.stringify(e));
  const types = Object.entries(s.types).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return [
    '{',
    `  "program": ${JSON.stringify(s.program)},`,
    `  "version": ${s.version},`,
    entries.length ? `  "entries": [\n${entries.join(',\n')}\n  ],` : '  "entries": [],',
    types.length ? `  "types": {\n${types.join(',\n')}\n  }` : '  "types": {}',
    '}',
  ].join('\n') + '\n';
}
