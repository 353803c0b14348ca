/**
 * tsvirtd's entry point: libvirtd's main() (src/remote/remote_daemon.c) for
 * everything around the RPC server: options, libvirtd.conf, logging, the
 * pidfile, the sockets, daemonizing, signals and the idle timeout.
 *
 * Start-up order and exit statuses are libvirtd's: option and config-file
 * errors exit 1 before anything is created; then the pidfile (status 1,
 * VIR_DAEMON_ERR_PIDFILE), the socket directory (2, _RUNDIR) and the
 * sockets (6, _NETWORK). With -d the parent waits for the daemon to report
 * one of those and prints libvirtd's message for it.
 */
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs, type DaemonArgs } from './args.js';
import { daemonConfigPath, loadDaemonConfig, type DaemonConfig } from './config.js';
import { Listeners, parseMode, resolveGroup, resolvePort, socketPaths, type TcpListenSpec, type TlsListenSpec, type UnixListenSpec } from './listen.js';
import { serverTLS } from './tls-server.js';
import { createLogger, setupLogging, strerror, type DaemonLogger } from './log.js';
import { ensureDirectory, PidFile, pidFilePath, userRuntimeDirectory } from './pidfile.js';
import type { DaemonServer, SocketAuth } from './server.js';
import type { DriverRegistry } from '../driver/registry.js';
import { driverPaths } from './driver-paths.js';
import { DAEMON_NODE_FLAGS, daemonEnv } from '../util/daemon-launch.js';

/** VIR_DAEMON_ERR_*: the status a daemon exits with and reports to its -d parent. */
export const DaemonErr = {
  NONE: 0, PIDFILE: 1, RUNDIR: 2, INIT: 3, SIGNAL: 4, PRIVS: 5, NETWORK: 6, CONFIG: 7,
} as const;

/** virDaemonErr's strings, indexed by status. */
const DAEMON_ERR_TEXT = [
  'Initialization successful',
  'Unable to obtain pidfile',
  'Unable to create rundir',
  'Unable to initialize libvirt',
  'Unable to setup signal handlers',
  'Unable to drop privileges',
  'Unable to initialize network sockets',
  'Unable to load configuration file',
];

/** Set in the environment of the process `-d` starts; its fd 3 is the status pipe. */
const CHILD_ENV = 'TSVIRTD_DAEMON_CHILD';
const STATUS_FD = 3;

const ARGV0 = 'tsvirtd';

export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Treat the process as root or not (default: geteuid() === 0). */
  privileged?: boolean;
  /** The drivers to serve (default: the daemon's drivers of src/driver/drivers.ts); for tests. */
  drivers?: DriverRegistry;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs tsvirtd with the arguments after the program name; resolves to the
 * exit status once the daemon has shut down (signal or --timeout).
 */
export async function main(argv: string[], o: MainOptions = {}): Promise<number> {
  const env = o.env ?? process.env;
  const stdout = o.stdout ?? ((t: string) => { process.stdout.write(t); });
  const stderr = o.stderr ?? ((t: string) => { process.stderr.write(t); });
  const privileged = o.privileged ?? (typeof process.geteuid === 'function' ? process.geteuid() === 0 : false);

  // The daemon half of -d: report the start-up status on fd 3.
  const isChild = env[CHILD_ENV] === '1';
  if (isChild) delete env[CHILD_ENV];
  let reported = false;
  const report = (status: number): void => {
    if (!isChild || reported) return;
    reported = true;
    try {
      writeSync(STATUS_FD, Buffer.from([status]));
      closeSync(STATUS_FD);
    } catch {
      /* parent gone */
    }
  };

  // Before logging is set up libvirt logs errors to stderr at the default level.
  const bootLog = (): DaemonLogger => createLogger({ level: 3, outputs: '', stderr });

  const parsed = parseArgs(argv, { privileged, argv0: ARGV0 });
  if (parsed.kind === 'exit') {
    if (parsed.stdout) stdout(parsed.stdout);
    if (parsed.stderr) stderr(parsed.stderr);
    if (parsed.logError) bootLog().error(parsed.logError);
    report(DaemonErr.CONFIG);
    return parsed.code;
  }
  const args = parsed.args;
  const godaemon = args.daemon || isChild;

  const implicitConf = args.configFile === null;
  const confPath = args.configFile ?? daemonConfigPath(privileged, env);
  let config: DaemonConfig;
  try {
    config = loadDaemonConfig(confPath, implicitConf);
  } catch (err) {
    bootLog().error(`Can't load config file: ${message(err)}: ${confPath}`);
    report(DaemonErr.CONFIG);
    return 1;
  }

  let log: DaemonLogger;
  try {
    log = setupLogging({
      level: config.logLevel, filters: config.logFilters, outputs: config.logOutputs,
      privileged, verbose: args.verbose, daemon: godaemon, env, stderr,
    });
  } catch (err) {
    // virDefaultErrorFunc's format: no error handler is installed yet.
    stderr(`libvirt:  error : ${message(err)}\n`);
    report(DaemonErr.CONFIG);
    return 1;
  }

  try {
    return await run(args, config, log, { env, privileged, isChild, godaemon, report, stderr, drivers: o.drivers });
  } finally {
    log.close();
  }
}

interface RunContext {
  env: NodeJS.ProcessEnv;
  privileged: boolean;
  isChild: boolean;
  godaemon: boolean;
  report: (status: number) => void;
  stderr: (text: string) => void;
  drivers: DriverRegistry | undefined;
}

async function run(args: DaemonArgs, config: DaemonConfig, log: DaemonLogger, ctx: RunContext): Promise<number> {
  // Relative paths are taken from where we were started, even once the
  // daemon has moved to / (libvirtd resolves the pidfile after its chdir).
  let pidPath: string;
  try {
    if (args.pidFile !== null) {
      pidPath = resolve(args.pidFile);
    } else {
      if (!ctx.privileged) ensureDirectory(userRuntimeDirectory(ctx.env), 0o700);
      pidPath = pidFilePath(ctx.privileged, ctx.env);
    }
  } catch (err) {
    log.error(`Can't determine pid file path. ${message(err)}`);
    ctx.report(DaemonErr.PIDFILE);
    return 1;
  }
  log.debug(`Decided on pid file path '${pidPath}'`);
  const paths = socketPaths({
    privileged: ctx.privileged, env: ctx.env,
    unixSockDir: config.unixSockDir === null ? null : resolve(config.unixSockDir),
  });
  log.debug(`Decided on socket paths '${paths.rw}' and '${paths.ro ?? '<null>'}'`);

  if (args.daemon && !ctx.isChild) return daemonize(args, ctx);
  if (ctx.isChild) {
    try { process.chdir('/'); } catch (err) { log.error(`cannot change to root directory: ${strerror(err)}`); }
  }

  // The drivers to serve (TSVIRTD_DRIVERS), checked before anything is created.
  let drivers = ctx.drivers;
  if (!drivers) {
    try {
      const { selectDaemonDrivers } = await import('./driver-select.js');
      drivers = selectDaemonDrivers(ctx.env);
    } catch (err) {
      log.error(message(err));
      ctx.report(DaemonErr.CONFIG);
      return 1;
    }
  }

  let pidFile: PidFile;
  try {
    pidFile = PidFile.acquire(pidPath);
  } catch (err) {
    log.error(message(err));
    ctx.report(DaemonErr.PIDFILE);
    return DaemonErr.PIDFILE;
  }

  // Signals from here on shut down cleanly, even before we are listening.
  let stopReason: string | null = null;
  let wake: (() => void) | null = null;
  const stopped = new Promise<void>((r) => { wake = r; });
  const stop = (why: string): void => {
    if (stopReason !== null) return;
    stopReason = why;
    wake!();
  };
  const onSignal = (sig: NodeJS.Signals): void => stop(sig);
  const onHup = (): void => {
    // libvirtd reloads its drivers' state, not libvirtd.conf.
    log.info('Reloading configuration on SIGHUP');
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTERM'];
  for (const s of signals) process.on(s, onSignal);
  process.on('SIGHUP', onHup);
  // A bug must not leave the sockets and pidfile behind, nor die silently
  // when stderr is /dev/null (-d): log it, clean up what can be cleaned up
  // synchronously, exit 1.
  const onFatal = (err: unknown): void => {
    log.error(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void listeners?.close();
    pidFile.release();
    log.close();
    process.exit(1);
  };
  process.on('uncaughtException', onFatal);

  let listeners: Listeners | null = null;
  let server: DaemonServer | null = null;
  let driversStarted = false;
  let timer: NodeJS.Timeout | null = null;
  try {
    try {
      ensureDirectory(paths.dir, paths.dirMode);
    } catch (err) {
      log.error(`unable to create rundir ${paths.dir}: ${strerror(err)}`);
      ctx.report(DaemonErr.RUNDIR);
      return DaemonErr.RUNDIR;
    }

    try {
      const plan = networkPlan(args, config, paths, ctx.privileged);
      // virNetServerNew's check (libvirtd then fails to start).
      if (config.maxClients < config.maxAnonymousClients) {
        throw new Error('internal error: The overall maximum number of clients must not be less than the number of clients waiting for authentication');
      }
      // Loaded only now: it brings in the drivers, which -h, -V and a bad
      // config file have no use for.
      const { DaemonServer } = await import('./server.js');
      const auth = { unixRw: config.authUnixRw, unixRo: config.authUnixRo, tcp: config.authTcp, tls: config.authTls };
      const usesSasl = Object.values(auth).includes('sasl');
      // libvirtd makes its SASL context only when a socket uses SASL.
      const sasl = usesSasl ? (await import('./sasl-context.js')).saslContext(config.saslAllowedUsernameList, ctx.env) : null;
      server = new DaemonServer({
        keepaliveInterval: config.keepaliveInterval,
        keepaliveCount: config.keepaliveCount,
        maxClientRequests: config.maxClientRequests,
        log,
        drivers,
        auth: auth as SocketAuth,
        sasl,
        maxAnonymousClients: config.maxAnonymousClients,
      });
      const srv = server;
      listeners = await Listeners.open({
        unix: plan.unix, tcp: plan.tcp, tls: plan.tls, maxClients: config.maxClients, log,
        onClient: (socket, info) => srv.accept(socket, info),
      });
    } catch (err) {
      log.error(message(err));
      ctx.report(DaemonErr.NETWORK);
      return DaemonErr.NETWORK;
    }
    ctx.report(DaemonErr.NONE);
    log.info(`tsvirtd ${process.pid} ready`);
    // As libvirtd's daemonRunStateInit: the drivers start once the sockets
    // are up, and a client's open waits for them (registry.ready). A driver
    // that fails is logged and not served; the daemon and the others go on.
    // virNetDaemonAddShutdownInhibition / …Remove…: a driver holds the
    // daemon up while it has work (the QEMU driver: running guests).
    let inhibitions = 0;
    driversStarted = true;
    server.startDrivers({
      privileged: ctx.privileged, mode: ctx.privileged ? 'system' : 'session', paths: driverPaths(ctx.privileged, ctx.env),
      lockStateDir: (dir) => {
        const lock = PidFile.acquire(join(dir, 'driver.pid'));
        return () => lock.release();
      },
      inhibit: (active) => {
        inhibitions = Math.max(0, inhibitions + (active ? 1 : -1));
        log.debug(`${active ? 'Adding' : 'Removing'} shutdown inhibition, now ${inhibitions}`);
      },
    }).catch((err: unknown) => log.error(`Driver state initialization failed: ${message(err)}`));

    // virNetDaemonAutoShutdown: quit after `timeout` seconds without clients,
    // counted from start-up and from each time the last client leaves. The
    // timer repeats (virEventAddTimeout's period) and a tick while a driver
    // inhibits shutdown is skipped, so a daemon whose last guest stopped
    // with no client connected exits at the next tick.
    if (args.timeout > 0) {
      const ms = args.timeout * 1000;
      const arm = (): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(function tick() {
          if (inhibitions > 0) {
            timer = setTimeout(tick, ms);
            return;
          }
          log.debug('Automatic shutdown triggered');
          stop('timeout');
        }, ms);
      };
      if (server.clientCount === 0) arm();
      server.onClientCount((n) => {
        if (n === 0) arm();
        else if (timer) {
          clearTimeout(timer);
          timer = null;
        }
      });
    }

    await stopped;
    log.info(`Shutting down (${stopReason})`);
    return 0;
  } finally {
    if (timer) clearTimeout(timer);
    for (const s of signals) process.off(s, onSignal);
    process.off('SIGHUP', onHup);
    process.off('uncaughtException', onFatal);
    if (listeners) await listeners.close();
    if (server) await server.close();
    // virStateCleanup, once the clients are gone: guests keep running.
    if (server && driversStarted) await server.stopDrivers();
    pidFile.release();
  }
}

interface NetworkPlan {
  unix: UnixListenSpec[];
  tcp: TcpListenSpec[];
  tls: TlsListenSpec[];
}

/**
 * daemonSetupNetworking, minus the binding: groups and modes parsed in
 * libvirtd's order, TCP only with --listen and listen_tcp = 1, TLS with
 * --listen and listen_tls = 1 (libvirtd's default): its credentials are
 * loaded and checked once the other sockets are bound, so a missing file
 * stops start-up.
 */
function networkPlan(args: DaemonArgs, config: DaemonConfig, paths: ReturnType<typeof socketPaths>,
  privileged: boolean): NetworkPlan {
  const gid = config.unixSockGroup !== null ? resolveGroup(config.unixSockGroup) : null;
  const roMode = parseMode(config.unixSockRoPerms);
  parseMode(config.unixSockAdminPerms);
  const rwMode = parseMode(config.unixSockRwPerms);
  const unix: UnixListenSpec[] = [{ path: paths.rw, mode: rwMode, gid, readonly: false }];
  if (paths.ro !== null) unix.push({ path: paths.ro, mode: roMode, gid, readonly: true });

  const tcp: TcpListenSpec[] = [];
  if (args.listen && config.listenTcp) {
    tcp.push({ host: config.listenAddr, port: resolvePort(config.tcpPort, config.listenAddr) });
  }
  const tls: TlsListenSpec[] = [];
  if (args.listen && config.listenTls) {
    tls.push({
      host: config.listenAddr, port: resolvePort(config.tlsPort, config.listenAddr),
      tls: () => serverTLS(config, privileged),
    });
  }
  return { unix, tcp, tls };
}

/**
 * virDaemonForkIntoBackground: starts the daemon detached (own session,
 * stdio on /dev/null) with the same options minus -d, and waits for its
 * start-up status on a pipe: 0 means it is listening and owns the pidfile.
 */
async function daemonize(args: DaemonArgs, ctx: RunContext): Promise<number> {
  const launcher = fileURLToPath(new URL('../../../bin/tsvirtd.cjs', import.meta.url));
  const childArgs: string[] = [];
  if (args.configFile !== null) childArgs.push('-f', resolve(args.configFile));
  if (args.pidFile !== null) childArgs.push('-p', resolve(args.pidFile));
  if (args.listen) childArgs.push('-l');
  if (args.verbose) childArgs.push('-v');
  if (args.timeout > 0) childArgs.push('-t', String(args.timeout));

  const flags = [...process.execArgv, ...DAEMON_NODE_FLAGS.filter((f) => !process.execArgv.includes(f))];
  const child = spawn(process.execPath, [...flags, launcher, ...childArgs], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: daemonEnv({ ...ctx.env, [CHILD_ENV]: '1' }),
  });
  const pipe = child.stdio[STATUS_FD] as Readable;
  return new Promise<number>((done) => {
    let settled = false;
    const finish = (code: number, text: string | null): void => {
      if (settled) return;
      settled = true;
      if (text) ctx.stderr(text);
      pipe.destroy();
      child.unref();
      done(code);
    };
    child.once('error', (err) => finish(1, `${ARGV0}: error: Failed to fork as daemon: ${strerror(err)}\n`));
    pipe.once('data', (b: Buffer) => {
      const status = b[0]!;
      if (status === 0) finish(0, null);
      else {
        finish(1, `${ARGV0}: error: ${DAEMON_ERR_TEXT[status] ?? `Unknown error ${status}`}. `
          + 'Check the daemon log or run without --daemon for more info.\n');
      }
    });
    // The pipe closing without a status: the daemon died during start-up.
    pipe.once('close', () => {
      const why = (): string => (child.signalCode ?? `status ${child.exitCode}`);
      const fail = (): void => finish(1, `${ARGV0}: error: unable to determine if daemon is running: `
        + `it exited with ${why()}\n`);
      if (child.exitCode !== null || child.signalCode !== null) fail();
      else child.once('exit', fail);
    });
  });
}
