import { DEFAULT_STRING_MAX, double, hyper, int, named, string, uhyper, uint, union, type Codec } from './codec.js';
import { XdrError, within } from './xdr-error.js';
import type { XdrReader } from './xdr-reader.js';
import type { XdrWriter } from './xdr-writer.js';

/** virTypedParameterType: the discriminant of `remote_typed_param_value`. */
export const TypedParamType = {
  INT: 1, UINT: 2, LLONG: 3, ULLONG: 4, DOUBLE: 5, BOOLEAN: 6, STRING: 7,
} as const;
export type TypedParamType = (typeof TypedParamType)[keyof typeof TypedParamType];

/**
 * One typed parameter as the driver contract holds it: the field name, the
 * VIR_TYPED_PARAM_* type and the value (a boolean for BOOLEAN, a string for
 * STRING, a number for the rest; LLONG/ULLONG must be safe integers).
 */
export interface TypedParameter {
  field: string;
  type: number;
  value: number | boolean | string;
}

function bad(p: TypedParameter, what: string): XdrError {
  return new XdrError('value', `typed parameter '${p.field}' of type ${p.type} needs ${what}, got '${String(p.value)}'`);
}

/** `remote_typed_param_value` as a plain union, for its shape (and for callers that want `{ type, value }`). */
export const typedParamValue = named('remote_typed_param_value',
  union({ 1: int, 2: uint, 3: hyper, 4: uhyper, 5: double, 6: int, 7: string }));

/**
 * libvirt's `remote_typed_param`:
 * `struct { remote_nonnull_string field; union switch (int type) { 1: int i;
 * 2: unsigned int ui; 3: hyper l; 4: unsigned hyper ul; 5: double d;
 * 6: int b; 7: remote_nonnull_string s; } value; }`.
 * A type outside 1..7 fails to decode, as it does in libvirt.
 */
export const typedParam: Codec<TypedParameter> = named('remote_typed_param', Object.freeze({
  shape: `struct { ${string.shape} field; remote_typed_param_value value; }`,
  parts: [string, typedParamValue],
  minSize: 12,
  encode(w: XdrWriter, p: TypedParameter) {
    if (p === null || typeof p !== 'object') throw new XdrError('value', `'${String(p)}' is not a typed parameter`);
    within('field', () => w.string(p.field, DEFAULT_STRING_MAX));
    within(p.field, () => {
      const v = p.value;
      switch (p.type) {
        case TypedParamType.INT:
          if (typeof v !== 'number') throw bad(p, 'a number');
          w.int(p.type); w.int(v); return;
        case TypedParamType.UINT:
          if (typeof v !== 'number') throw bad(p, 'a number');
          w.int(p.type); w.uint(v); return;
        case TypedParamType.LLONG:
          if (typeof v !== 'number') throw bad(p, 'a number');
          w.int(p.type); w.hyper(v); return;
        case TypedParamType.ULLONG:
          if (typeof v !== 'number') throw bad(p, 'a number');
          w.int(p.type); w.uhyper(v); return;
        case TypedParamType.DOUBLE:
          if (typeof v !== 'number') throw bad(p, 'a number');
          w.int(p.type); w.double(v); return;
        case TypedParamType.BOOLEAN:
          if (typeof v !== 'boolean' && typeof v !== 'number') throw bad(p, 'a boolean');
          w.int(p.type); w.int(v === true ? 1 : v === false ? 0 : v); return;
        case TypedParamType.STRING:
          if (typeof v !== 'string') throw bad(p, 'a string');
          w.int(p.type); w.string(v, DEFAULT_STRING_MAX); return;
        default:
          throw new XdrError('union', `typed parameter type '${String(p.type)}' has no arm`);
      }
    });
  },
  decode(r: XdrReader): TypedParameter {
    const field = within('field', () => r.string(DEFAULT_STRING_MAX));
    return within(field, () => {
      const type = r.int();
      switch (type) {
        case TypedParamType.INT: return { field, type, value: r.int() };
        case TypedParamType.UINT: return { field, type, value: r.uint() };
        case TypedParamType.LLONG: return { field, type, value: r.hyper() };
        case TypedParamType.ULLONG: return { field, type, value: r.uhyper() };
        case TypedParamType.DOUBLE: return { field, type, value: r.double() };
        case TypedParamType.BOOLEAN: return { field, type, value: r.int() !== 0 };
        case TypedParamType.STRING: return { field, type, value: r.string(DEFAULT_STRING_MAX) };
        default: throw new XdrError('union', `typed parameter type '${type}' has no arm`);
      }
    });
  },
}) satisfies Codec<TypedParameter>);
