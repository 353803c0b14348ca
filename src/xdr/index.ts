/**
 * XDR (RFC 4506) as libvirt's RPC uses it: cursors and codec combinators.
 * No I/O here.
 */
export { XdrError, within, type XdrErrorKind } from './xdr-error.js';
export { XdrReader } from './xdr-reader.js';
export { XdrWriter, type XdrWriterOptions } from './xdr-writer.js';
export {
  array, bool, char, charString, chars, DEFAULT_STRING_MAX, double, enumOf, fixedArray, fixedCharString,
  fixedChars, fixedOpaque, fromXdr, hyper, hyperBig, i32, int, mapped, named, namedTypes, opaque, optional,
  short, string, struct, toXdr, u32, uchar, uhyper, uhyperBig, uint, union, ushort, uuid, uuidFromString,
  uuidToString, voidCodec, void,
} from './codec.js';
export type { AnyCodec, Codec, FromXdrOptions, Infer, StructOf, UnionOf } from './codec.js';
export { TypedParamType, typedParam, typedParamValue, type TypedParameter } from './typed-param.js';
