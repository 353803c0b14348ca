/**
 * The daemon's listening sockets (libvirt's virNetServerServiceNewUNIX /
 * NewTCP over virNetSocketNewListenUNIX / NewListenTCP): the read-write and
 * read-only unix sockets, and TCP and TLS with `--listen`.
 *
 * Differences from libvirtd 9.0, on purpose:
 * - libvirtd unlinks whatever is at the socket path before binding, so a
 *   second daemon silently steals a live daemon's socket. We connect first:
 *   a socket someone answers on is left alone and start-up fails; a stale
 *   one (ECONNREFUSED) is removed and reused. Anything that is not a socket
 *   is never removed (bind then fails with "Address already in use").
 * - libvirtd stops accepting (virNetServerCheckLimits) while `max_clients`
 *   clients are connected, so newcomers wait in the listen backlog. We
 *   accept and close them at once, logging libvirt's message for the case
 *   (virNetServerAddClient: "Too many active clients (N), dropping
 *   connection from …").
 * - A listen_addr naming a host is bound on its first address only;
 *   libvirtd binds every address getaddrinfo returns. Without listen_addr
 *   we bind one dual-stack `::` socket where libvirtd binds 0.0.0.0 and ::.
 */
import { chmodSync, chownSync, existsSync, lstatSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { strerror, systemError, type Logger } from './log.js';
import { tlsServer, type ServerTLS } from './tls-server.js';
import { RUNSTATEDIR, userRuntimeDirectory } from './pidfile.js';

/** What a listener tells the server about each accepted connection. */
export interface ListenerClientInfo {
  /** Accepted on the read-only socket. */
  readonly: boolean;
  transport: 'unix' | 'tcp' | 'tls';
  /** `addr;port` for TCP and TLS (libvirt's format), the socket path for unix. */
  peer: string;
}

export type OnClient = (socket: Socket, info: ListenerClientInfo) => void;

/** The unix socket paths of a daemon and the directory holding them. */
export interface SocketPaths {
  rw: string;
  /** Only a privileged daemon has one (virDaemonUnixSocketPaths). */
  ro: string | null;
  dir: string;
  /** The mode the directory is created with if missing. */
  dirMode: number;
}

/**
 * virDaemonUnixSocketPaths (SOCK_PREFIX "libvirt"): `unix_sock_dir` if set,
 * else /var/run/libvirt for root and $XDG_RUNTIME_DIR/libvirt otherwise.
 * The read-only socket exists only for root, wherever the directory is.
 */
export function socketPaths(o: { privileged: boolean; unixSockDir: string | null; env?: NodeJS.ProcessEnv }): SocketPaths {
  const dir = o.unixSockDir ?? (o.privileged ? `${RUNSTATEDIR}/libvirt` : userRuntimeDirectory(o.env));
  return {
    rw: join(dir, 'libvirt-sock'),
    ro: o.privileged ? join(dir, 'libvirt-sock-ro') : null,
    dir,
    // libvirtd creates its run dir under umask 022 (root) or 077 (session).
    dirMode: o.privileged || o.unixSockDir !== null ? 0o755 : 0o700,
  };
}

/**
 * virStrToLong_i(perms, NULL, 8): an octal mode, the whole string.
 *
 * @throws VirtError INTERNAL_ERROR `Failed to parse mode '<s>'` (libvirtd logs
 *   exactly that and exits with its network-setup status).
 */
export function parseMode(s: string): number {
  const m = /^[ \t\n\v\f\r]*\+?([0-7]+)$/.exec(s);
  const n = m ? parseInt(m[1]!, 8) : NaN;
  if (!Number.isFinite(n) || n > 0x7fffffff) {
    throw new VirtError(ErrorCode.INTERNAL_ERROR, `Failed to parse mode '${s}'`, ErrorDomain.NONE);
  }
  return n & 0o7777;
}

/**
 * virGetGroupID: `+N` is a gid, otherwise a group name looked up in
 * `/etc/group` (then, failing that, a plain number).
 *
 * @throws VirtError INVALID_ARG `invalid argument: Failed to parse group '<name>'`
 */
export function resolveGroup(name: string, groupFile = '/etc/group'): number {
  const numeric = (s: string): number | null => (/^[0-9]+$/.test(s) && Number(s) <= 0xffffffff ? Number(s) : null);
  if (name.startsWith('+')) {
    const n = numeric(name.slice(1));
    if (n !== null) return n;
  } else {
    let text = '';
    try {
      text = readFileSync(groupFile, 'utf8');
    } catch {
      /* no group database: numbers only */
    }
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && f[0] === name) {
        const n = numeric(f[2]!);
        if (n !== null) return n;
      }
    }
    const n = numeric(name);
    if (n !== null) return n;
  }
  throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Failed to parse group '${name}'`);
}

/**
 * virSocketAddrResolveService on `tcp_port`: a number, or a service name
 * from /etc/services.
 *
 * @throws VirtError SYSTEM_ERROR (libvirt's getaddrinfo message)
 *   `Unable to resolve address '<host>' service '<s>': Servname not supported for ai_socktype`
 */
export function resolvePort(service: string, host: string | null, servicesFile = '/etc/services'): number {
  if (/^[0-9]+$/.test(service) && Number(service) <= 65535) return Number(service);
  let text = '';
  try {
    text = readFileSync(servicesFile, 'utf8');
  } catch {
    /* no services database */
  }
  for (const line of text.split('\n')) {
    const words = line.replace(/#.*/, '').trim().split(/\s+/);
    if (words.length < 2) continue;
    const m = /^([0-9]+)\/tcp$/.exec(words[1]!);
    if (m && (words[0] === service || words.slice(2).includes(service))) return Number(m[1]);
  }
  throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
    `Unable to resolve address '${host ?? '(null)'}' service '${service}': Servname not supported for ai_socktype`);
}

/** What is at a unix socket path. */
export type SocketState = 'absent' | 'live' | 'stale' | 'not-socket' | 'unknown';

/**
 * Connects to `path` to find out whether a daemon serves it: `live` if the
 * connect succeeds (or hangs: a full backlog), `stale` on ECONNREFUSED,
 * `unknown` when we may not even try (EACCES).
 */
export async function probeUnixSocket(path: string, timeoutMs = 1000): Promise<SocketState> {
  try {
    if (!lstatSync(path).isSocket()) return 'not-socket';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unknown';
  }
  return new Promise((resolve) => {
    const sock = connect(path);
    const done = (state: SocketState): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done('live'), timeoutMs);
    sock.once('connect', () => done('live'));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done('stale');
      else if (err.code === 'ENOENT') done('absent');
      else if (err.code === 'EAGAIN') done('live');
      else done('unknown');
    });
  });
}

export interface UnixListenSpec {
  path: string;
  /** unix_sock_rw_perms / unix_sock_ro_perms, parsed. */
  mode: number;
  /** unix_sock_group, resolved; null or 0 leaves the group alone (as libvirt does for 0). */
  gid?: number | null;
  readonly: boolean;
}

export interface TcpListenSpec {
  /** listen_addr; null for every address. `[::1]` is accepted for `::1`. */
  host: string | null;
  port: number;
}

/** A TLS port: TCP plus the server's credentials and client checks. */
export interface TlsListenSpec extends TcpListenSpec {
  /**
   * Loads and checks the credentials: called after the unix and TCP
   * sockets are bound, as libvirtd's daemonSetupNetworking makes its TLS
   * context only then (so a bind error is reported before a missing file).
   */
  tls: () => ServerTLS;
}

export interface ListenOptions {
  unix?: readonly UnixListenSpec[];
  tcp?: readonly TcpListenSpec[];
  tls?: readonly TlsListenSpec[];
  /** max_clients, over all listeners (default 5000). */
  maxClients?: number;
  onClient: OnClient;
  log?: Logger;
}

interface OpenUnix { server: Server; path: string; ino: number }

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function listenOn(server: Server, how: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => { server.off('listening', onListening); reject(err); };
    const onListening = (): void => { server.off('error', onError); resolve(); };
    server.once('error', onError);
    server.once('listening', onListening);
    how();
  });
}

/** The daemon's open listeners. */
export class Listeners {
  readonly #unix: OpenUnix[] = [];
  readonly #tcp: Server[] = [];
  readonly #tls: Server[] = [];
  readonly #maxClients: number;
  readonly #onClient: OnClient;
  readonly #log: Logger;
  #clients = 0;
  #closed = false;

  private constructor(o: ListenOptions) {
    this.#maxClients = o.maxClients ?? 5000;
    this.#onClient = o.onClient;
    this.#log = o.log ?? quiet;
  }

  /**
   * Opens every listener, unix sockets first (as libvirtd). If one fails,
   * those already open are closed and their socket files removed.
   *
   * @throws VirtError SYSTEM_ERROR, e.g.
   *   `Failed to bind socket to '<path>': another daemon is already listening on it`,
   *   `Failed to bind socket to '<path>': No such file or directory`,
   *   `Unable to bind to port: Address already in use`
   */
  static async open(o: ListenOptions): Promise<Listeners> {
    const l = new Listeners(o);
    try {
      for (const u of o.unix ?? []) await l.#openUnix(u);
      for (const t of o.tcp ?? []) await l.#openTcp(t);
      for (const t of o.tls ?? []) await l.#openTcp(t, t.tls());
    } catch (err) {
      await l.close();
      throw err;
    }
    return l;
  }

  /** Connections accepted and not yet closed. */
  get clientCount(): number { return this.#clients; }

  /** The bound TCP addresses (to learn the port when 0 was asked for). */
  get tcpAddresses(): AddressInfo[] {
    return this.#tcp.map((s) => s.address() as AddressInfo);
  }

  /** The bound TLS addresses. */
  get tlsAddresses(): AddressInfo[] {
    return this.#tls.map((s) => s.address() as AddressInfo);
  }

  get unixPaths(): string[] { return this.#unix.map((u) => u.path); }

  async #openUnix(u: UnixListenSpec): Promise<void> {
    const state = await probeUnixSocket(u.path);
    if (state === 'live') {
      throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
        `Failed to bind socket to '${u.path}': another daemon is already listening on it`);
    }
    if (state === 'stale') {
      this.#log.info(`Removing stale socket '${u.path}'`);
      try {
        unlinkSync(u.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw systemError(`Failed to remove stale socket '${u.path}'`, err);
      }
    }
    const server = this.#server('unix', u.readonly, u.path);
    try {
      await listenOn(server, () => {
        // As virNetSocketNewListenUNIX: the socket is born with its mode.
        let old: number | null = null;
        try { old = process.umask(~u.mode & 0o777); } catch { /* worker thread: chmod below */ }
        try {
          server.listen(u.path);
        } finally {
          if (old !== null) process.umask(old);
        }
      });
    } catch (err) {
      // libuv reports bind()'s ENOENT as EACCES (for Windows' sake).
      const e = err as NodeJS.ErrnoException;
      const real = e.code === 'EACCES' && !existsSync(dirname(u.path)) ? { code: 'ENOENT' } : err;
      throw systemError(`Failed to bind socket to '${u.path}'`, real);
    }
    const open: OpenUnix = { server, path: u.path, ino: statSync(u.path).ino };
    this.#unix.push(open);
    try {
      chmodSync(u.path, u.mode);
    } catch (err) {
      throw systemError(`Failed to change permissions of '${u.path}' to ${u.mode.toString(8).padStart(4, '0')}`, err);
    }
    if (u.gid) {
      try {
        chownSync(u.path, -1, u.gid);
      } catch (err) {
        throw systemError(`Failed to change ownership of '${u.path}' to -1:${u.gid}`, err);
      }
    }
    this.#log.info(`Listening on unix socket '${u.path}'${u.readonly ? ' (read-only)' : ''}`);
  }

  async #openTcp(t: TcpListenSpec, tls?: ServerTLS): Promise<void> {
    let host = t.host;
    if (host !== null && host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    const server = this.#server(tls ? 'tls' : 'tcp', false, null, tls);
    try {
      await listenOn(server, () => {
        // libvirtd sets IPV6_V6ONLY on IPv6 sockets: "::" is IPv6 only.
        if (host === null) server.listen({ port: t.port });
        else server.listen({ port: t.port, host, ipv6Only: host.includes(':') });
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
        throw VirtError.report(ErrorCode.SYSTEM_ERROR, ErrorDomain.NONE,
          `Unable to resolve address '${t.host}' service '${t.port}': Name or service not known`, { cause: err });
      }
      throw systemError('Unable to bind to port', err);
    }
    (tls ? this.#tls : this.#tcp).push(server);
    const a = server.address() as AddressInfo;
    this.#log.info(`Listening on ${tls ? 'TLS' : 'TCP'} ${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
  }

  #server(transport: ListenerClientInfo['transport'], readonly: boolean, path: string | null, tls?: ServerTLS): Server {
    let server: Server;
    if (tls) {
      // The raw connection is counted and limited at accept, as in libvirt
      // (handshake included); the TLS server hands over checked clients.
      server = tlsServer(tls, this.#log, (sock, peer) => {
        if (this.#closed) sock.destroy();
        else this.#onClient(sock, { readonly, transport, peer });
      });
      server.on('connection', (socket: Socket) => this.#admit(socket, transport, path));
    } else {
      server = createServer((socket) => {
        const peer = this.#admit(socket, transport, path);
        if (peer !== null) this.#onClient(socket, { readonly, transport, peer });
      });
    }
    // After listening, an accept error (EMFILE…) must not kill the daemon.
    server.on('error', (err) => {
      if (server.listening) this.#log.error(`listener error: ${strerror(err)}`);
    });
    return server;
  }

  /**
   * Counts an accepted connection against max_clients. Returns its peer
   * name, or null when it was closed (daemon closing, too many clients).
   */
  #admit(socket: Socket, transport: ListenerClientInfo['transport'], path: string | null): string | null {
    const peer = transport !== 'unix' ? `${socket.remoteAddress};${socket.remotePort}` : path!;
    if (this.#closed) {
      socket.destroy();
      return null;
    }
    if (this.#clients >= this.#maxClients) {
      this.#log.error(`Too many active clients (${this.#maxClients}), dropping connection from ${peer}`);
      socket.destroy();
      return null;
    }
    this.#clients++;
    socket.once('close', () => { this.#clients--; });
    if (transport !== 'unix') socket.setNoDelay(true);
    return peer;
  }

  /**
   * Stops accepting and removes the socket files. Connected clients are not
   * touched: the server closes them.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // server.close() stops accepting at once (its callback would wait for
    // every connection to end, so we don't wait for it). libuv unlinks a
    // listening pipe's path when it closes it; we check anyway, in case it
    // did not, and only remove the file we bound.
    for (const u of this.#unix) {
      u.server.close();
      try {
        if (statSync(u.path).ino === u.ino) unlinkSync(u.path);
      } catch {
        /* gone */
      }
    }
    for (const s of [...this.#tcp, ...this.#tls]) s.close();
  }
}
