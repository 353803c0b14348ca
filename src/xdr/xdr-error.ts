import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';

/**
 * What went wrong while encoding or decoding XDR:
 * - `truncated`: the input ended inside a value;
 * - `limit`: a string, opaque or array is longer than its declared maximum;
 * - `value`: a value cannot be represented (not an integer, out of range,
 *   not a safe integer, malformed UUID, missing struct field);
 * - `union`: a union discriminant has no arm;
 * - `trailing`: bytes were left over where the caller asked for none.
 */
export type XdrErrorKind = 'truncated' | 'limit' | 'value' | 'union' | 'trailing';

/**
 * The one error the XDR layer throws. It is a `VirtError` with libvirt's
 * VIR_ERR_RPC / VIR_FROM_RPC, the pair libvirt reports for payloads it cannot
 * decode, so it can cross the wire unchanged. `path` names the field
 * (`domains[3].name`) when the failure happened inside a struct or array.
 */
export class XdrError extends VirtError {
  override name = 'XdrError';
  readonly kind: XdrErrorKind;
  /** Field path from the outermost struct inwards, e.g. `['domains', '[3]', 'name']`. */
  readonly path: string[] = [];
  readonly #detail: string;

  constructor(kind: XdrErrorKind, detail: string, options?: ErrorOptions) {
    super(ErrorCode.RPC, detail, ErrorDomain.RPC, {}, options);
    this.kind = kind;
    this.#detail = detail;
  }

  /** Records that the failure happened inside `segment`; used by struct/array codecs. */
  within(segment: string): this {
    this.path.unshift(segment);
    const at = this.path.map((p, i) => (p.startsWith('[') || i === 0 ? p : '.' + p)).join('');
    this.message = `${this.#detail} at '${at}'`;
    return this;
  }
}

/** Runs `fn`, adding `segment` to the path of an XdrError it throws. */
export function within<T>(segment: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof XdrError) throw e.within(segment);
    throw e;
  }
}
