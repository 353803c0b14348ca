/**
 * `remote_error`: the payload of a REPLY with status ERROR, and of a STREAM
 * with status ERROR sent by the daemon (libvirt-rpc.md §7).
 */
import { ErrorCode, ErrorDomain, ErrorLevel, errorMessage, VirtError } from '../errors.js';
import { fromXdr, int, named, struct, type Infer } from '../xdr/index.js';
import { optDomainRef, optNetworkRef, optStr } from './remote-types.js';

/** remote_error, fields in wire order. `dom` and `net` are always absent in practice. */
export const remoteError = named('remote_error', struct({
  code: int,
  domain: int,
  message: optStr,
  level: int,
  dom: optDomainRef,
  str1: optStr,
  str2: optStr,
  str3: optStr,
  int1: int,
  int2: int,
  net: optNetworkRef,
}));

/** A decoded remote_error. */
export type RemoteError = Infer<typeof remoteError>;

/**
 * The VirtError a client raises for a remote_error: code, domain, message,
 * level, str1..3, int1, int2 carried over unchanged. A missing message gets
 * libvirt's default text for the code.
 */
export function toVirtError(e: RemoteError): VirtError {
  return new VirtError(e.code, e.message ?? errorMessage(e.code), e.domain, {
    level: e.level, str1: e.str1, str2: e.str2, str3: e.str3, int1: e.int1, int2: e.int2,
  });
}

/**
 * The remote_error a daemon sends for an exception. A VirtError crosses
 * unchanged. Anything else is reported as libvirt reports an internal error
 * (code 1, domain RPC), with the JS message as the detail; a non-error value
 * gets libvirt's "Library function returned error but did not set virError".
 */
export function fromVirtError(err: unknown): RemoteError {
  if (err instanceof VirtError) {
    return {
      code: err.code, domain: err.domain, message: err.message, level: err.level, dom: null,
      str1: err.str1, str2: err.str2, str3: err.str3, int1: err.int1, int2: err.int2, net: null,
    };
  }
  const detail = err instanceof Error ? err.message : null;
  if (detail === null) {
    // remoteDispatchError with no virError set (daemon/remote.c)
    return {
      code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.RPC,
      message: 'Library function returned error but did not set virError', level: ErrorLevel.ERROR, dom: null,
      str1: null, str2: null, str3: null, int1: -1, int2: -1, net: null,
    };
  }
  return {
    code: ErrorCode.INTERNAL_ERROR, domain: ErrorDomain.RPC, message: errorMessage(ErrorCode.INTERNAL_ERROR, detail),
    level: ErrorLevel.ERROR, dom: null, str1: errorMessage(ErrorCode.INTERNAL_ERROR, '%s'), str2: detail, str3: null,
    int1: -1, int2: -1, net: null,
  };
}

/**
 * The VirtError carried by an ERROR payload (a failed REPLY, or a STREAM
 * error from the daemon); a payload that does not decode becomes libvirt's
 * "Unable to decode message payload" (code RPC).
 */
export function errorFromPayload(body: Uint8Array): VirtError {
  try {
    return toVirtError(fromXdr(remoteError, body, { allowTrailing: true }));
  } catch {
    return new VirtError(ErrorCode.RPC, 'Unable to decode message payload', ErrorDomain.RPC);
  }
}
