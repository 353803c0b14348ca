/**
 * The daemon's configuration file, libvirtd.conf (src/remote/
 * remote_daemon_config.c): every key libvirtd 9.0 reads, with its
 * defaults, read in libvirtd's order so the first bad key reported is the
 * same, with the same messages (our virConf getters give libvirt's texts).
 * Keys libvirtd does not know are ignored, as libvirtd ignores them.
 *
 * Defaults are those of a libvirtd built with SASL and without polkit:
 * `auth_tcp` is "sasl", the other `auth_*` "none", and `unix_sock_rw_perms`
 * is "0700". (Distribution builds with polkit default the unix sockets to
 * polkit and 0777.) tsvirtd implements "none" and "sasl" (sasl-context.ts);
 * "polkit" is refused when the file is read, with the message a libvirtd
 * built without it gives.
 */
import { accessSync, constants } from 'node:fs';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import {
  getBool, getInt, getString, getStringList, getUInt, parseConf, type Conf,
} from '../config/conf.js';
import { DEFAULT_SYSCONFDIR, readConfigFile, userConfigDirectory } from '../config/read-file.js';

export type AuthType = 'none' | 'sasl' | 'polkit';

/** struct daemonConfig, camel-cased. */
export interface DaemonConfig {
  /** Keys the file set (first occurrence), e.g. to tell "listen_tls = 1" from the default. */
  readonly setKeys: ReadonlySet<string>;

  listenTcp: boolean;
  /** Only honoured with --listen. */
  listenTls: boolean;
  /** A service: a port number or a name from /etc/services. */
  tcpPort: string;
  tlsPort: string;
  /** null: every address (getaddrinfo with AI_PASSIVE). */
  listenAddr: string | null;

  authUnixRw: AuthType;
  authUnixRo: AuthType;
  authTcp: AuthType;
  authTls: AuthType;
  accessDrivers: string[] | null;

  unixSockGroup: string | null;
  unixSockAdminPerms: string;
  unixSockRoPerms: string;
  unixSockRwPerms: string;
  unixSockDir: string | null;

  tlsNoSanityCertificate: boolean;
  tlsNoVerifyCertificate: boolean;
  keyFile: string | null;
  certFile: string | null;
  caFile: string | null;
  crlFile: string | null;
  tlsAllowedDnList: string[] | null;
  tlsPriority: string | null;
  tcpMinSsf: number;
  saslAllowedUsernameList: string[] | null;

  minWorkers: number;
  maxWorkers: number;
  maxClients: number;
  maxQueuedClients: number;
  maxAnonymousClients: number;
  prioWorkers: number;
  maxClientRequests: number;

  adminMinWorkers: number;
  adminMaxWorkers: number;
  adminMaxClients: number;
  adminMaxQueuedClients: number;
  adminMaxClientRequests: number;

  auditLevel: number;
  auditLogging: boolean;
  hostUuid: string | null;
  hostUuidSource: string | null;

  /** 0: unset (libvirt's default priority, warnings). */
  logLevel: number;
  logFilters: string | null;
  logOutputs: string | null;

  /** Seconds; -1 disables keepalive. */
  keepaliveInterval: number;
  keepaliveCount: number;
  adminKeepaliveInterval: number;
  adminKeepaliveCount: number;

  ovsTimeout: number;
}

/** LIBVIRTD_TCP_PORT / LIBVIRTD_TLS_PORT. */
export const DEFAULT_TCP_PORT = '16509';
export const DEFAULT_TLS_PORT = '16514';

/** SSF_WARNING_LEVEL in libvirt's virnetsaslcontext.h. */
const SSF_WARNING_LEVEL = 112;

/** daemonConfigNew (libvirtd flavour: listen_tls defaults to 1, honoured only with --listen). */
export function defaultDaemonConfig(): DaemonConfig {
  return {
    setKeys: new Set(),
    listenTcp: false,
    listenTls: true,
    tcpPort: DEFAULT_TCP_PORT,
    tlsPort: DEFAULT_TLS_PORT,
    listenAddr: null,
    authUnixRw: 'none',
    authUnixRo: 'none',
    // daemonConfigNew with WITH_SASL: plain TCP needs authentication.
    authTcp: 'sasl',
    authTls: 'none',
    accessDrivers: null,
    unixSockGroup: null,
    unixSockAdminPerms: '0700',
    unixSockRoPerms: '0777',
    unixSockRwPerms: '0700',
    unixSockDir: null,
    tlsNoSanityCertificate: false,
    tlsNoVerifyCertificate: false,
    keyFile: null,
    certFile: null,
    caFile: null,
    crlFile: null,
    tlsAllowedDnList: null,
    tlsPriority: null,
    tcpMinSsf: 0,
    saslAllowedUsernameList: null,
    minWorkers: 5,
    maxWorkers: 20,
    maxClients: 5000,
    maxQueuedClients: 1000,
    maxAnonymousClients: 20,
    prioWorkers: 5,
    maxClientRequests: 5,
    adminMinWorkers: 5,
    adminMaxWorkers: 20,
    adminMaxClients: 5000,
    adminMaxQueuedClients: 20,
    adminMaxClientRequests: 5,
    auditLevel: 1,
    auditLogging: false,
    hostUuid: null,
    hostUuidSource: null,
    logLevel: 0,
    logFilters: null,
    logOutputs: null,
    keepaliveInterval: 5,
    keepaliveCount: 5,
    adminKeepaliveInterval: 5,
    adminKeepaliveCount: 5,
    ovsTimeout: 5,
  };
}

/**
 * remoteConfigGetAuth. "polkit" gets the message a libvirtd built without
 * it gives: tsvirtd has none.
 */
function getAuth(conf: Conf, key: string): AuthType | null {
  const v = getString(conf, key);
  if (v === null) return null;
  if (v === 'none' || v === 'sasl') return v;
  throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.CONF,
    `${conf.filename}: ${key}: unsupported auth ${v}`);
}

/**
 * daemonConfigLoadOptions on parsed text: the defaults overridden by what
 * the file sets.
 *
 * @throws VirtError with libvirt's message, e.g. (INTERNAL_ERROR, CONF)
 *   `internal error: /etc/libvirt/libvirtd.conf: expected a string for 'tcp_port' parameter`
 */
export function daemonConfigFromConf(conf: Conf): DaemonConfig {
  const c = defaultDaemonConfig();
  const set = c.setKeys as Set<string>;
  for (const e of conf.entries) if (e.name !== null && e.value !== null) set.add(e.name);

  const str = (key: string, cur: string | null): string | null => getString(conf, key) ?? cur;
  const bool = (key: string, cur: boolean): boolean => getBool(conf, key) ?? cur;
  const uint = (key: string, cur: number): number => getUInt(conf, key) ?? cur;
  const int = (key: string, cur: number): number => getInt(conf, key) ?? cur;
  const list = (key: string, cur: string[] | null): string[] | null => getStringList(conf, key, false) ?? cur;

  c.listenTcp = bool('listen_tcp', c.listenTcp);
  c.listenTls = bool('listen_tls', c.listenTls);
  c.tlsPort = str('tls_port', c.tlsPort)!;
  c.tcpPort = str('tcp_port', c.tcpPort)!;
  c.listenAddr = str('listen_addr', c.listenAddr);

  c.authUnixRw = getAuth(conf, 'auth_unix_rw') ?? c.authUnixRw;
  c.authUnixRo = getAuth(conf, 'auth_unix_ro') ?? c.authUnixRo;
  c.authTcp = getAuth(conf, 'auth_tcp') ?? c.authTcp;
  c.authTls = getAuth(conf, 'auth_tls') ?? c.authTls;

  c.accessDrivers = list('access_drivers', c.accessDrivers);

  c.unixSockGroup = str('unix_sock_group', c.unixSockGroup);
  c.unixSockAdminPerms = str('unix_sock_admin_perms', c.unixSockAdminPerms)!;
  c.unixSockRoPerms = str('unix_sock_ro_perms', c.unixSockRoPerms)!;
  c.unixSockRwPerms = str('unix_sock_rw_perms', c.unixSockRwPerms)!;
  c.unixSockDir = str('unix_sock_dir', c.unixSockDir);

  c.tlsNoSanityCertificate = bool('tls_no_sanity_certificate', c.tlsNoSanityCertificate);
  c.tlsNoVerifyCertificate = bool('tls_no_verify_certificate', c.tlsNoVerifyCertificate);
  c.keyFile = str('key_file', c.keyFile);
  c.certFile = str('cert_file', c.certFile);
  c.caFile = str('ca_file', c.caFile);
  c.crlFile = str('crl_file', c.crlFile);
  c.tlsAllowedDnList = list('tls_allowed_dn_list', c.tlsAllowedDnList);
  c.tlsPriority = str('tls_priority', c.tlsPriority);

  // libvirtd 9.0 checks tcp_min_ssf here, before the SASL user list.
  const ssf = getUInt(conf, 'tcp_min_ssf');
  if (ssf !== null) {
    if (ssf < SSF_WARNING_LEVEL) {
      throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.CONF,
        `minimum SSF levels lower than ${SSF_WARNING_LEVEL} are not supported`);
    }
    c.tcpMinSsf = ssf;
  }
  c.saslAllowedUsernameList = list('sasl_allowed_username_list', c.saslAllowedUsernameList);

  c.minWorkers = uint('min_workers', c.minWorkers);
  c.maxWorkers = uint('max_workers', c.maxWorkers);
  if (c.maxWorkers < 1) {
    throw VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.CONF, "'max_workers' must be greater than 0");
  }
  c.maxClients = uint('max_clients', c.maxClients);
  c.maxQueuedClients = uint('max_queued_clients', c.maxQueuedClients);
  c.maxAnonymousClients = uint('max_anonymous_clients', c.maxAnonymousClients);
  c.prioWorkers = uint('prio_workers', c.prioWorkers);
  c.maxClientRequests = uint('max_client_requests', c.maxClientRequests);

  c.adminMinWorkers = uint('admin_min_workers', c.adminMinWorkers);
  c.adminMaxWorkers = uint('admin_max_workers', c.adminMaxWorkers);
  c.adminMaxClients = uint('admin_max_clients', c.adminMaxClients);
  c.adminMaxQueuedClients = uint('admin_max_queued_clients', c.adminMaxQueuedClients);
  c.adminMaxClientRequests = uint('admin_max_client_requests', c.adminMaxClientRequests);

  c.auditLevel = uint('audit_level', c.auditLevel);
  c.auditLogging = bool('audit_logging', c.auditLogging);

  c.hostUuid = str('host_uuid', c.hostUuid);
  c.hostUuidSource = str('host_uuid_source', c.hostUuidSource);

  c.logLevel = uint('log_level', c.logLevel);
  c.logFilters = str('log_filters', c.logFilters);
  c.logOutputs = str('log_outputs', c.logOutputs);

  c.keepaliveInterval = int('keepalive_interval', c.keepaliveInterval);
  c.keepaliveCount = uint('keepalive_count', c.keepaliveCount);
  c.adminKeepaliveInterval = int('admin_keepalive_interval', c.adminKeepaliveInterval);
  c.adminKeepaliveCount = uint('admin_keepalive_count', c.adminKeepaliveCount);

  c.ovsTimeout = uint('ovs_timeout', c.ovsTimeout);
  return c;
}

/** daemonConfigLoadData: parses libvirtd.conf text already in memory. */
export function parseDaemonConfig(text: string, filename: string): DaemonConfig {
  return daemonConfigFromConf(parseConf(text, filename));
}

/**
 * daemonConfigLoadFile. With `allowMissing` (the implicit default file) a
 * file that does not exist gives the defaults; an explicit `-f` file must
 * exist.
 *
 * @throws VirtError e.g. SYSTEM_ERROR
 *   `Failed to open file '/x.conf': No such file or directory`
 */
export function loadDaemonConfig(path: string, allowMissing: boolean): DaemonConfig {
  if (allowMissing) {
    try {
      accessSync(path, constants.R_OK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaultDaemonConfig();
    }
  }
  return parseDaemonConfig(readConfigFile(path), path);
}

/**
 * daemonConfigFilePath for tsvirtd: `/etc/libvirt/tsvirtd.conf` for root,
 * `$XDG_CONFIG_HOME/libvirt/tsvirtd.conf` (default ~/.config) otherwise.
 * (libvirtd's own file is libvirtd.conf; tsvirtd takes it only with -f.)
 */
export function daemonConfigPath(privileged: boolean, env: NodeJS.ProcessEnv = process.env,
  sysconfDir: string = DEFAULT_SYSCONFDIR): string {
  return privileged ? `${sysconfDir}/libvirt/tsvirtd.conf` : `${userConfigDirectory(env)}/tsvirtd.conf`;
}

