/**
 * The errors the transports raise, worded as libvirt's RPC layer words them
 * (virReportSystemError appends `: <strerror>`).
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { strerrorOf } from '../util/strerror.js';

/** gai_strerror() for getaddrinfo failures. */
const GAI_STRERROR: Record<string, string> = {
  ENOTFOUND: 'Name or service not known',
  EAI_NONAME: 'Name or service not known',
  EAI_AGAIN: 'Temporary failure in name resolution',
  EAI_FAIL: 'Non-recoverable failure in name resolution',
  EAI_NODATA: 'No address associated with hostname',
  EAI_FAMILY: 'ai_family not supported',
  EAI_SERVICE: 'Servname not supported for ai_socktype',
};

/** The errno name of a Node error ('ECONNREFUSED'…), or ''. */
export function errnoCode(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? '';
}

export { strerror } from '../util/strerror.js';
import { strerror } from '../util/strerror.js';

/** Whether a Node error is a name-resolution failure. */
export function isResolveError(err: unknown): boolean {
  const code = errnoCode(err);
  return code in GAI_STRERROR || (err as { syscall?: string } | null)?.syscall === 'getaddrinfo';
}

export function gaiStrerror(err: unknown): string {
  return GAI_STRERROR[errnoCode(err)] ?? (err instanceof Error ? err.message : String(err));
}

/** virReportSystemError(errno, msg) from code in VIR_FROM_RPC (virnetsocket.c). */
export function rpcSystemError(message: string, err: unknown): VirtError {
  return VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.RPC, `${message}: ${strerror(err)}`,
    err instanceof Error ? { cause: err } : undefined);
}

/** An errno-like error for a bare errno name, for use with rpcSystemError. */
export function errno(code: string): NodeJS.ErrnoException {
  const e = new Error(strerrorOf(code) ?? code) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/**
 * virNetSocketReadWire at end of file: "End of file while reading data",
 * with the helper's stderr when there is one.
 */
export function endOfFileError(stderr: string | null): VirtError {
  const detail = stderr ? `End of file while reading data: ${stderr}` : 'End of file while reading data';
  return rpcSystemError(detail, errno('EIO'));
}

/** The error for a connect attempt cut short by an AbortSignal. */
export function abortError(signal: AbortSignal): VirtError {
  return VirtError.report(ErrorCode.OPERATION_ABORTED, ErrorDomain.RPC, 'connection attempt aborted',
    { cause: signal.reason });
}
