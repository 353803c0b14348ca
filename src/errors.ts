import { ErrorCode, ErrorDomain } from './error-codes.js';

export { ErrorCode, ErrorDomain };

/** virErrorLevel. */
export const ErrorLevel = { NONE: 0, WARNING: 1, ERROR: 2 } as const;
export type ErrorLevel = (typeof ErrorLevel)[keyof typeof ErrorLevel];

/**
 * The words libvirt puts in front of a detail for each error code
 * (virErrorMsg in src/util/virerror.c). `[alone, withDetail]`: the first is
 * used when there is no detail, the second has one `%s` for it. Codes missing
 * here use `alone` = "unknown error" and `${alone}: %s`, which is what most
 * entries look like anyway.
 */
const MESSAGES: Partial<Record<number, readonly [string, string]>> = {
  [ErrorCode.INTERNAL_ERROR]: ['internal error', 'internal error: %s'],
  [ErrorCode.NO_MEMORY]: ['out of memory', 'out of memory: %s'],
  [ErrorCode.NO_SUPPORT]: [
    'this function is not supported by the connection driver',
    'this function is not supported by the connection driver: %s',
  ],
  [ErrorCode.UNKNOWN_HOST]: ['unknown host', 'unknown host %s'],
  [ErrorCode.NO_CONNECT]: ['no connection driver available', 'no connection driver available for %s'],
  [ErrorCode.INVALID_CONN]: ['invalid connection pointer in', 'invalid connection pointer in %s'],
  [ErrorCode.INVALID_DOMAIN]: ['invalid domain pointer in', 'invalid domain pointer in %s'],
  [ErrorCode.INVALID_ARG]: ['invalid argument', 'invalid argument: %s'],
  [ErrorCode.OPERATION_FAILED]: ['operation failed', 'operation failed: %s'],
  [ErrorCode.OS_TYPE]: ['unknown OS type', 'unknown OS type %s'],
  [ErrorCode.NO_NAME]: ['missing name information', 'missing name information in %s'],
  [ErrorCode.NO_OS]: ['missing operating system information', 'missing operating system information for %s'],
  [ErrorCode.CALL_FAILED]: ['library call failed', 'library call failed: %s'],
  [ErrorCode.XML_ERROR]: ['XML description is invalid or not well formed', 'XML error: %s'],
  [ErrorCode.DOM_EXIST]: ['this domain exists already', 'domain %s exists already'],
  [ErrorCode.OPERATION_DENIED]: ['operation forbidden for read only access', 'operation forbidden: %s'],
  [ErrorCode.OPEN_FAILED]: ['failed to open configuration file', 'failed to open configuration file %s'],
  [ErrorCode.READ_FAILED]: ['failed to read configuration file', 'failed to read configuration file %s'],
  [ErrorCode.PARSE_FAILED]: ['failed to parse configuration file', 'failed to parse configuration file %s'],
  [ErrorCode.CONF_SYNTAX]: ['configuration file syntax error', 'configuration file syntax error: %s'],
  [ErrorCode.WRITE_FAILED]: ['failed to write configuration file', 'failed to write configuration file: %s'],
  [ErrorCode.XML_DETAIL]: ['parser error', '%s'],
  [ErrorCode.INVALID_NETWORK]: ['invalid network pointer in', 'invalid network pointer in %s'],
  [ErrorCode.NETWORK_EXIST]: ['this network exists already', 'network %s exists already'],
  [ErrorCode.SYSTEM_ERROR]: ['system call error', '%s'],
  [ErrorCode.RPC]: ['RPC error', '%s'],
  [ErrorCode.GNUTLS_ERROR]: ['GNUTLS call error', '%s'],
  [ErrorCode.NO_DOMAIN]: ['Domain not found', 'Domain not found: %s'],
  [ErrorCode.NO_NETWORK]: ['Network not found', 'Network not found: %s'],
  [ErrorCode.INVALID_MAC]: ['invalid MAC address', 'invalid MAC address: %s'],
  [ErrorCode.AUTH_FAILED]: ['authentication failed', 'authentication failed: %s'],
  [ErrorCode.INVALID_STORAGE_POOL]: ['invalid storage pool pointer in', 'invalid storage pool pointer in %s'],
  [ErrorCode.INVALID_STORAGE_VOL]: ['invalid storage volume pointer in', 'invalid storage volume pointer in %s'],
  [ErrorCode.NO_STORAGE_POOL]: ['Storage pool not found', 'Storage pool not found: %s'],
  [ErrorCode.NO_STORAGE_VOL]: ['Storage volume not found', 'Storage volume not found: %s'],
  [ErrorCode.INVALID_NODE_DEVICE]: ['invalid node device pointer', 'invalid node device pointer in %s'],
  [ErrorCode.NO_NODE_DEVICE]: ['Node device not found', 'Node device not found: %s'],
  [ErrorCode.NO_SECURITY_MODEL]: ['Security model not found', 'Security model not found: %s'],
  [ErrorCode.OPERATION_INVALID]: ['Requested operation is not valid', 'Requested operation is not valid: %s'],
  [ErrorCode.NO_INTERFACE]: ['Interface not found', 'Interface not found: %s'],
  [ErrorCode.INVALID_INTERFACE]: ['invalid interface pointer in', 'invalid interface pointer in %s'],
  [ErrorCode.MULTIPLE_INTERFACES]: ['multiple matching interfaces found', 'multiple matching interfaces found: %s'],
  [ErrorCode.INVALID_NWFILTER]: ['Invalid network filter', 'Invalid network filter: %s'],
  [ErrorCode.NO_NWFILTER]: ['Network filter not found', 'Network filter not found: %s'],
  [ErrorCode.INVALID_SECRET]: ['Invalid secret', 'Invalid secret: %s'],
  [ErrorCode.NO_SECRET]: ['Secret not found', 'Secret not found: %s'],
  [ErrorCode.CONFIG_UNSUPPORTED]: ['unsupported configuration', 'unsupported configuration: %s'],
  [ErrorCode.OPERATION_TIMEOUT]: ['Timed out during operation', 'Timed out during operation: %s'],
  [ErrorCode.INVALID_DOMAIN_SNAPSHOT]: ['Invalid domain snapshot', 'Invalid domain snapshot: %s'],
  [ErrorCode.NO_DOMAIN_SNAPSHOT]: ['Domain snapshot not found', 'Domain snapshot not found: %s'],
  [ErrorCode.INVALID_DOMAIN_CHECKPOINT]: ['Invalid domain checkpoint', 'Invalid domain checkpoint: %s'],
  [ErrorCode.NO_DOMAIN_CHECKPOINT]: ['Domain checkpoint not found', 'Domain checkpoint not found: %s'],
  [ErrorCode.XML_INVALID_SCHEMA]: ['XML document failed to validate against schema',
    'XML document failed to validate against schema: %s'],
  [ErrorCode.INVALID_STREAM]: ['invalid stream pointer', 'invalid stream pointer in %s'],
  [ErrorCode.ARGUMENT_UNSUPPORTED]: ['argument unsupported', 'argument unsupported: %s'],
  [ErrorCode.OPERATION_ABORTED]: ['operation aborted', 'operation aborted: %s'],
  [ErrorCode.AUTH_CANCELLED]: ['authentication cancelled', 'authentication cancelled: %s'],
  [ErrorCode.NO_DOMAIN_METADATA]: ['metadata not found', 'metadata not found: %s'],
  [ErrorCode.OVERFLOW]: ['numerical overflow', 'numerical overflow: %s'],
  [ErrorCode.OPERATION_UNSUPPORTED]: ['Operation not supported', 'Operation not supported: %s'],
  [ErrorCode.SSH]: ['SSH transport error', 'SSH transport error: %s'],
  [ErrorCode.RESOURCE_BUSY]: ['resource busy', 'resource busy: %s'],
  [ErrorCode.ACCESS_DENIED]: ['access denied', 'access denied: %s'],
  [ErrorCode.STORAGE_VOL_EXIST]: ['this storage volume exists already', 'storage volume %s exists already'],
  [ErrorCode.AUTH_UNAVAILABLE]: ['authentication unavailable', 'authentication unavailable: %s'],
  [ErrorCode.LIBSSH]: ['libssh transport error', 'libssh transport error: %s'],
  [ErrorCode.DEVICE_MISSING]: ['device not found', 'device not found: %s'],
  [ErrorCode.NO_HOSTNAME]: ['no hostname found', 'no hostname found: %s'],
  [ErrorCode.MULTIPLE_DOMAINS]: ['multiple matching domains found', 'multiple matching domains found: %s'],
};

/** The message libvirt builds for `code` with an optional detail (virErrorMsg + printf). */
export function errorMessage(code: number, detail?: string | null): string {
  const entry = MESSAGES[code] ?? (['unknown error', 'unknown error: %s'] as const);
  if (detail == null) return entry[0];
  return entry[1].replace('%s', () => detail);
}

/** Extra fields of libvirt's virError that travel in `remote_error`. */
export interface ErrorExtra {
  level?: number;
  str1?: string | null;
  str2?: string | null;
  str3?: string | null;
  int1?: number;
  int2?: number;
}

/**
 * The one error class: libvirt's code, domain and level, and the exact
 * message text libvirt would produce, so the CLI prints what virsh prints
 * and errors cross the wire unchanged. A Node error goes in `cause`.
 */
export class VirtError extends Error {
  override name = 'VirtError';
  readonly level: number;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;

  constructor(
    readonly code: number,
    message: string,
    readonly domain: number = ErrorDomain.NONE,
    extra: ErrorExtra = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.level = extra.level ?? ErrorLevel.ERROR;
    this.str1 = extra.str1 ?? null;
    this.str2 = extra.str2 ?? null;
    this.str3 = extra.str3 ?? null;
    this.int1 = extra.int1 ?? -1;
    this.int2 = extra.int2 ?? -1;
  }

  /**
   * Builds the error the way virReportError does: the code's prefix with the
   * detail in it (`Domain not found: no domain with matching name 'x'`).
   */
  static report(code: number, domain: number, detail?: string | null, options?: ErrorOptions): VirtError {
    const entry = MESSAGES[code];
    return new VirtError(code, errorMessage(code, detail), domain, {
      str1: detail == null ? (entry?.[0] ?? null) : (entry?.[1] ?? '%s'),
      str2: detail ?? null,
    }, options);
  }
}

/** `unsupported flags (0x4) in function testDomainX` — virCheckFlags. */
export function checkFlags(flags: number, allowed: number, func: string, domain: number): void {
  const bad = (flags >>> 0) & ~allowed;
  if (bad !== 0) {
    throw new VirtError(ErrorCode.INVALID_ARG,
      `unsupported flags (0x${(bad >>> 0).toString(16)}) in function ${func}`, domain,
      { str1: func, str2: 'flags', int1: 0, int2: 0 });
  }
}

export function isVirtError(e: unknown): e is VirtError {
  return e instanceof VirtError;
}
