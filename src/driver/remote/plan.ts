/**
 * What the remote driver will do for a URI, decided before any I/O: the
 * transport, where to connect, the CONNECT_OPEN name and flags, and for the
 * SSH transports the exact remote command. This is libvirt 9.0's
 * doRemoteOpen (src/remote/remote_driver.c) up to the "Connect to the remote
 * service" switch, with remoteSplitURIScheme, remoteGetURIDaemonInfo and
 * remoteGetUNIXSocket (src/remote/remote_sockets.c), and
 * virNetClientSSHHelperCommand / virNetSocketNewConnectSSH
 * (src/rpc/virnetclient.c, virnetsocket.c).
 *
 * ```ts
 * interface RemotePlan {
 *   transport: 'unix' | 'tcp' | 'tls' | 'ssh' | 'libssh' | 'libssh2' | 'ext';
 *   driver: string | null;       // driver half of the scheme; null when probing
 *   uri: ParsedURI | null;       // the URI (auth.conf lookups use it)
 *   name: string;                // CONNECT_OPEN name; '' for probing and remote://
 *   probe: boolean;              // CONNECT_GET_URI after open (no URI given)
 *   host: string;                // URI server, or 'localhost'
 *   port: number | null;         // explicit, else tcp 16509 / tls 16514 / libssh* 22
 *   user: string | null;         // URI user (libssh*: 'root' when absent)
 *   socketPath: string | null;   // unix: where to connect; ssh*: the remote socket
 *   mode: 'legacy' | 'direct' | null;  // resolved socket mode (unix and ssh*)
 *   daemonName: string | null;   // libvirtd / virt<drv>d / virtproxyd for autostart
 *   readonly, session, autostart: boolean;
 *   openFlags: number;           // REMOTE_DRIVER_OPEN_* = RO 1 | USER 2 | AUTOSTART 4
 *   proxy: 'auto' | 'netcat' | 'native';
 *   netcat: string | null;
 *   remoteCommand: string | null; // ssh*: the `sh -c '…'` string run remotely
 *   command: string[] | null;    // ext: [command]; ssh: full ssh argv
 *   keyfile, knownHosts: string | null; knownHostsVerify: string;
 *   sshAuth: string[]; noVerify, noTty, noSanity: boolean;
 *   authType, pkipath, tlsPriority: string | null;
 * }
 * planRemote(uri: ParsedURI | null, opts: PlanOptions): RemotePlan
 * ```
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import type { ClientConfig } from '../../config/index.js';
import { userConfigDirectory } from '../../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { formatURI, formatURIParams, splitURIScheme, type ParsedURI, type URIParam } from '../../uri/index.js';

export type RemoteTransportName = 'unix' | 'tcp' | 'tls' | 'ssh' | 'libssh' | 'libssh2' | 'ext';
export type RemoteProxy = 'auto' | 'netcat' | 'native';
export type RemoteSocketMode = 'legacy' | 'direct';

/** remoteDriverOpenFlags (remote_sockets.h); these are the CONNECT_OPEN flags on the wire. */
export const RemoteOpenFlags = { RO: 1, USER: 2, AUTOSTART: 4 } as const;

/** LIBVIRTD_TCP_PORT / LIBVIRTD_TLS_PORT. */
export const DEFAULT_TCP_PORT = 16509;
export const DEFAULT_TLS_PORT = 16514;

/**
 * REMOTE_DRIVER_MODE_DEFAULT: the mode `auto` falls back to when neither
 * socket exists. libvirt's build default is legacy.
 */
const MODE_DEFAULT: RemoteSocketMode = 'legacy';

/** LOCALSTATEDIR "/run/libvirt": libvirt builds system socket paths from /var/run on purpose. */
const SYSTEM_SOCKET_DIR = '/var/run/libvirt';

export interface RemotePlan {
  transport: RemoteTransportName;
  /** The driver half of the scheme (`qemu` of `qemu+ssh`); null when probing. */
  driver: string | null;
  /** The URI being opened, null when probing; auth.conf lookups use it. */
  uri: ParsedURI | null;
  /**
   * CONNECT_OPEN name: the driver scheme, path, fragment and the query
   * parameters the remote driver does not consume, or the `name=` value.
   * libvirt sends an empty (non-NULL) string when probing and for remote://.
   */
  name: string;
  /** No URI: the client asks CONNECT_GET_URI after opening. */
  probe: boolean;
  /** priv->hostname: the URI server, or 'localhost'. */
  host: string;
  port: number | null;
  user: string | null;
  socketPath: string | null;
  mode: RemoteSocketMode | null;
  /** The daemon libvirt would spawn (only set when autostart is on). */
  daemonName: string | null;
  readonly: boolean;
  session: boolean;
  autostart: boolean;
  /** REMOTE_DRIVER_OPEN_* flags, sent as CONNECT_OPEN flags. */
  openFlags: number;
  proxy: RemoteProxy;
  netcat: string | null;
  /** ssh/libssh/libssh2: the command run on the remote host. */
  remoteCommand: string | null;
  /** ext: `[command]` (never split); ssh: the whole ssh argv, binary first. */
  command: string[] | null;
  keyfile: string | null;
  knownHosts: string | null;
  knownHostsVerify: string;
  sshAuth: string[];
  noVerify: boolean;
  noTty: boolean;
  noSanity: boolean;
  /** `auth=`: the auth type the client insists on (remoteAuthenticate). */
  authType: string | null;
  pkipath: string | null;
  tlsPriority: string | null;
}

export interface PlanOptions {
  /** virConnectOpen flags; VIR_CONNECT_RO = 1. */
  flags: number;
  /** libvirt.conf (remote_mode, remote_proxy, tls_priority). */
  config?: ClientConfig | null | undefined;
  env?: NodeJS.ProcessEnv;
  /** Effective uid; root never uses the session daemon. */
  uid?: number;
  /** For the `auto` socket mode and default key lookups (virFileExists). */
  fileExists?: (path: string) => boolean;
}

const STRING_PARAMS = [
  'name', 'command', 'socket', 'auth', 'sshauth', 'netcat', 'keyfile', 'pkipath',
  'known_hosts', 'known_hosts_verify', 'tls_priority', 'mode', 'proxy',
] as const;
type StringParam = (typeof STRING_PARAMS)[number];
const BOOL_PARAMS = ['no_sanity', 'no_verify', 'no_tty'] as const;
type BoolParam = (typeof BOOL_PARAMS)[number];

/**
 * doRemoteOpen's planning half.
 *
 * @throws VirtError INVALID_ARG (domain REMOTE) for an unknown transport,
 *   unix with a server, a bad boolean parameter, an unknown mode or proxy,
 *   or ext without `command=`; OPERATION_UNSUPPORTED for direct mode over
 *   SSH; INVALID_ARG (domain RPC) for `netcat=` with the native proxy.
 */
export function planRemote(uri: ParsedURI | null, opts: PlanOptions): RemotePlan {
  const env = opts.env ?? process.env;
  const euid = opts.uid ?? (typeof process.geteuid === 'function' ? process.geteuid() : 0);
  const exists = opts.fileExists ?? existsSync;

  let driver: string | null = null;
  let transport: RemoteTransportName = 'unix';
  if (uri !== null) ({ driver, transport } = splitURIScheme(uri));

  let openFlags = daemonInfo(uri, transport, euid, env.LIBVIRT_AUTOSTART);
  if (opts.flags & 1) openFlags |= RemoteOpenFlags.RO;

  let port: number | null = null;
  if (uri !== null && uri.port !== 0) port = uri.port;
  else if (transport === 'tls') port = DEFAULT_TLS_PORT;
  else if (transport === 'tcp') port = DEFAULT_TCP_PORT;

  const str: Partial<Record<StringParam, string>> = {};
  const bool: Partial<Record<BoolParam, boolean>> = {};
  const passed: URIParam[] = [];
  for (const p of uri?.params ?? []) {
    const key = p.name.toLowerCase();
    if ((STRING_PARAMS as readonly string[]).includes(key)) {
      str[key as StringParam] = p.value;
    } else if ((BOOL_PARAMS as readonly string[]).includes(key)) {
      // EXTRACT_URI_ARG_BOOL: an integer, true when non-zero.
      const n = parseCInt(p.value);
      if (n === null) {
        throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
          `Failed to parse value of URI component ${p.name}`);
      }
      bool[key as BoolParam] = n !== 0;
    } else if (key !== 'authfile') {
      // authfile is stripped here and read by virauth.c instead.
      passed.push(p);
    }
  }

  let name = str.name ?? null;
  if (name === null) {
    if (uri !== null && uri.scheme !== null && (uri.scheme === 'remote' || uri.scheme.startsWith('remote+'))) {
      name = ''; // lets the server probe
    } else if (uri !== null) {
      // remoteConnectFormatURI: no user, server or port, only what the
      // daemon-side driver needs.
      name = formatURI({
        scheme: driver, server: null, user: null, port: 0, path: uri.path,
        query: formatURIParams({ params: passed }), fragment: uri.fragment,
        params: [], driver: null, transport: null,
      });
    } else {
      name = '';
    }
  }

  const modeStr = str.mode ?? opts.config?.remoteMode() ?? null;
  let mode: 'auto' | RemoteSocketMode = 'auto';
  if (modeStr !== null) {
    if (modeStr !== 'auto' && modeStr !== 'legacy' && modeStr !== 'direct') {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE, `Unknown remote mode '${modeStr}'`);
    }
    mode = modeStr;
  }

  const proxyStr = str.proxy ?? opts.config?.remoteProxy() ?? null;
  let proxy: RemoteProxy;
  if (proxyStr !== null) {
    if (proxyStr !== 'auto' && proxyStr !== 'netcat' && proxyStr !== 'native') {
      // The misspelling is libvirt's.
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE, `Unnkown proxy type '${proxyStr}'`);
    }
    proxy = proxyStr;
  } else if (str.socket !== undefined) {
    proxy = 'netcat'; // virt-ssh-helper cannot take an explicit socket
  } else if (openFlags & RemoteOpenFlags.USER) {
    proxy = 'native'; // session socket paths are only known on the far side
  } else {
    proxy = 'auto';
  }

  const command = str.command ?? null;
  if (transport === 'ext' && command === null) {
    throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
      "remote_open: for 'ext' transport, command is required");
  }

  let socketPath = str.socket ?? null;
  let resolvedMode: RemoteSocketMode | null = null;
  let daemonName: string | null = null;
  if (transport === 'unix' || transport === 'ssh' || transport === 'libssh' || transport === 'libssh2') {
    if (socketPath === null) {
      const chosen = unixSocket(transport, mode, driver, openFlags, env, exists);
      socketPath = chosen.path;
      resolvedMode = chosen.mode;
      if (openFlags & RemoteOpenFlags.AUTOSTART) daemonName = chosen.daemon;
    }
  }

  const host = uri?.server ?? 'localhost';
  const netcat = str.netcat ?? null;
  const readonly = (openFlags & RemoteOpenFlags.RO) !== 0;
  const noTty = bool.no_tty ?? false;
  const noVerify = bool.no_verify ?? false;
  let user = uri?.user ?? null;
  let keyfile = str.keyfile ?? null;
  let knownHosts = str.known_hosts ?? null;
  const knownHostsVerify = str.known_hosts_verify ?? 'normal';
  let sshAuth: string[] = [];
  let remoteCommand: string | null = null;
  let argv: string[] | null = null;

  if (transport === 'ssh' || transport === 'libssh' || transport === 'libssh2') {
    remoteCommand = sshHelperCommand(proxy, netcat, socketPath ?? '', name, readonly);
  }
  if (transport === 'ssh') {
    argv = sshArgv({
      binary: command ?? 'ssh', host, port, user, keyfile, noTty, noVerify, remoteCommand: remoteCommand!,
    });
  } else if (transport === 'ext') {
    // virNetClientNewExternal gets { command, NULL }: one argv[0], never split.
    argv = [command!];
  } else if (transport === 'libssh' || transport === 'libssh2') {
    // virNetClientNewLibssh / NewLibSSH2 defaults.
    const home = env.HOME || homedir();
    knownHosts ??= `${userConfigDirectory(env)}/known_hosts`;
    keyfile ??= defaultSshKey(home, exists);
    sshAuth = (str.sshauth ?? (keyfile !== null
      ? 'agent,privkey,password,keyboard-interactive'
      : 'agent,password,keyboard-interactive')).split(',');
    user ??= 'root';
    port ??= 22;
  }

  return {
    transport, driver, uri, name, probe: uri === null, host, port, user,
    socketPath, mode: resolvedMode, daemonName,
    readonly, session: (openFlags & RemoteOpenFlags.USER) !== 0,
    autostart: (openFlags & RemoteOpenFlags.AUTOSTART) !== 0, openFlags,
    proxy, netcat, remoteCommand, command: argv,
    keyfile, knownHosts, knownHostsVerify, sshAuth, noVerify, noTty,
    noSanity: bool.no_sanity ?? false,
    authType: str.auth ?? null, pkipath: str.pkipath ?? null,
    tlsPriority: str.tls_priority ?? (transport === 'tls' ? opts.config?.tlsPriority() ?? null : null),
  };
}

/**
 * remoteGetURIDaemonInfo: the per-user daemon is used for `…/session` URIs
 * and `test+…` URIs, and when probing, unless running as root; it is
 * autostarted for local unix connections unless LIBVIRT_AUTOSTART is "0".
 */
function daemonInfo(uri: ParsedURI | null, transport: RemoteTransportName, euid: number,
  autostartEnv: string | undefined): number {
  let flags = 0;
  const autostart = autostartEnv === undefined || autostartEnv !== '0';
  if (uri !== null && uri.path !== null && uri.scheme !== null &&
      (uri.path === '/session' || uri.scheme.startsWith('test+')) && euid > 0) {
    flags |= RemoteOpenFlags.USER;
    if (uri.server === null && transport === 'unix' && autostart) flags |= RemoteOpenFlags.AUTOSTART;
  }
  if (uri === null && euid > 0) {
    flags |= RemoteOpenFlags.USER;
    if (autostart) flags |= RemoteOpenFlags.AUTOSTART;
  }
  return flags;
}

/**
 * virGetUserRuntimeDirectory: `$XDG_RUNTIME_DIR/libvirt`, falling back (as
 * g_get_user_runtime_dir does) to the cache directory,
 * `${XDG_CACHE_HOME:-$HOME/.cache}/libvirt`.
 */
export function userRuntimeDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_RUNTIME_DIR) return `${env.XDG_RUNTIME_DIR}/libvirt`;
  const cache = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : `${env.HOME || homedir()}/.cache`;
  return `${cache}/libvirt`;
}

/** remoteGetUNIXSocket. */
function unixSocket(transport: RemoteTransportName, mode: 'auto' | RemoteSocketMode, driver: string | null,
  flags: number, env: NodeJS.ProcessEnv, exists: (p: string) => boolean,
): { path: string; mode: RemoteSocketMode; daemon: string } {
  const sockPath = (prefix: string): string => (flags & RemoteOpenFlags.USER
    ? `${userRuntimeDirectory(env)}/${prefix}-sock`
    : `${SYSTEM_SOCKET_DIR}/${prefix}-${flags & RemoteOpenFlags.RO ? 'sock-ro' : 'sock'}`);
  const directDaemon = driver !== null ? `virt${driver}d` : 'virtproxyd';
  const direct = sockPath(driver !== null ? directDaemon : 'libvirt');
  const legacy = sockPath('libvirt');

  let chosen: RemoteSocketMode;
  if (mode === 'auto') {
    if (transport === 'unix') chosen = exists(direct) ? 'direct' : exists(legacy) ? 'legacy' : MODE_DEFAULT;
    else chosen = 'legacy';
  } else {
    chosen = mode;
  }
  if (chosen === 'legacy') return { path: legacy, mode: chosen, daemon: 'libvirtd' };
  if (transport !== 'unix') {
    throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.REMOTE,
      `Cannot use direct socket mode for ${transport} transport`);
  }
  return { path: direct, mode: chosen, daemon: directDaemon };
}

/** virNetClientFindDefaultSshKey: the first of the classic key names that exists. */
function defaultSshKey(home: string, exists: (p: string) => boolean): string | null {
  for (const name of ['identity', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_rsa']) {
    const path = `${home}/.ssh/${name}`;
    if (exists(path)) return path;
  }
  return null;
}

/** virStrToLong_i on a whole string: strtol's leading space and sign, base 10, int range. */
function parseCInt(s: string): number | null {
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s)) return null;
  const n = Number(s.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

/**
 * virBufferEscapeShell: the string as /bin/sh reads it back, quoted only
 * when it holds a shell metacharacter.
 */
export function escapeShell(s: string): string {
  if (s === '') return "''";
  if (!/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * virNetClientSSHHelperCommand: the remote command of the SSH transports.
 * sshd hands it to a shell, which runs `sh -c`, hence the double escaping
 * (virNetClientDoubleEscapeShell). The socket path is not escaped.
 */
export function sshHelperCommand(proxy: RemoteProxy, netcat: string | null, socketPath: string,
  driverURI: string, readonly: boolean): string {
  const nc = escapeShell(escapeShell(netcat ?? 'nc'));
  const uri = escapeShell(escapeShell(driverURI));
  // A user-given netcat means they want the nc proxy, not virt-ssh-helper.
  if (proxy === 'auto' && netcat !== null) proxy = 'netcat';
  // This shell snippet detects whether nc needs -q0 to exit on EOF
  // (Debian/SUSE) or not (Fedora).
  const nccmd = `if '${nc}' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ` +
    'ARG=-q0;else ARG=;fi;' + `'${nc}' $ARG -U ${socketPath}`;
  const helpercmd = `virt-ssh-helper${readonly ? ' -r ' : ' '}'${uri}'`;
  switch (proxy) {
    case 'auto':
      return "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then " +
        `    ${helpercmd}; else    ${nccmd}; fi'`;
    case 'netcat':
      return `sh -c '${nccmd}'`;
    case 'native':
      if (netcat !== null) {
        throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.RPC, 'netcat path not valid with native proxy mode');
      }
      return `sh -c '${helpercmd}'`;
  }
}

/** virNetSocketNewConnectSSH's argv, binary first. */
export function sshArgv(o: {
  binary: string; host: string; port: number | null; user: string | null; keyfile: string | null;
  noTty: boolean; noVerify: boolean; remoteCommand: string;
}): string[] {
  const argv = [o.binary];
  if (o.port !== null) argv.push('-p', String(o.port));
  if (o.user !== null) argv.push('-l', o.user);
  if (o.keyfile !== null) argv.push('-i', o.keyfile);
  argv.push('-T', '-e', 'none');
  if (o.noTty) argv.push('-o', 'BatchMode=yes');
  if (o.noVerify) argv.push('-o', 'StrictHostKeyChecking=no');
  argv.push('--', o.host, o.remoteCommand);
  return argv;
}
