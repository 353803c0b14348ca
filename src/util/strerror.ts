/**
 * strerror(3) texts (glibc, C locale) for the errno names Node reports in
 * `err.code`, so that messages read as libvirt's, which embed strerror().
 */
const STRERROR: Readonly<Record<string, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  ENOEXEC: 'Exec format error',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EFBIG: 'File too large',
  EOVERFLOW: 'Value too large for defined data type',
  ENOTSOCK: 'Socket operation on non-socket',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETUNREACH: 'Network is unreachable',
  ECONNABORTED: 'Software caused connection abort',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
  EBUSY: 'Device or resource busy',
  EXDEV: 'Invalid cross-device link',
  ETXTBSY: 'Text file busy',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  EOPNOTSUPP: 'Operation not supported',
  ENOTSUP: 'Operation not supported',
  EDQUOT: 'Disk quota exceeded',
};

/** The strerror() text for an errno name (`ENOENT`), or undefined when unknown. */
export function strerrorOf(code: string | undefined | null): string | undefined {
  return code ? STRERROR[code] : undefined;
}

/** The strerror() text of a Node error, falling back to its message. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return strerrorOf(code) ?? (err instanceof Error ? err.message : String(err));
}
