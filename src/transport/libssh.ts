/**
 * The in-process SSH transports, `libssh` and `libssh2`, on the `ssh2`
 * package: TCP connect, host key check against a known_hosts file, user
 * authentication by the configured methods in order, then the same remote
 * command as the `ssh` transport over an exec channel.
 *
 * Behaviour follows libvirt 9.0's virNetSocketNewConnectLibssh and
 * src/rpc/virnetlibsshsession.c (libssh2: virnetsshsession.c, which differs
 * in error domain and fingerprint hash):
 * - known_hosts_verify: `normal` asks the credential callback (ECHOPROMPT
 *   "Accept SSH host key with hash '…' for host 'h:p' (y/n)?") about an
 *   unknown host and records it; `auto` records it silently; `ignore` skips
 *   the check. A changed key always fails (AUTH_FAILED).
 * - Authentication starts with `none`; then each method of `sshauth` the
 *   server offers: agent ($SSH_AUTH_SOCK), privkey (the key file, passphrase
 *   asked through the callback), password (auth.conf, then the callback:
 *   "Enter <user>'s password for <host>"), keyboard-interactive (each prompt
 *   through the callback). libvirt re-asks a rejected password until the
 *   server disconnects; we stop after three tries.
 * - A non-zero exit of the remote command ends the stream with
 *   "Remote command terminated with non-zero code: N".
 */
import { mkdirSync, readFileSync, appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';
import type { Client, ClientChannel, AnyAuthMethod, ParsedKey, Prompt } from 'ssh2';
import { getPassword } from '../auth/index.js';
import { CredentialType } from '../auth/index.js';
import type { ConnectAuth, ConnectCredential } from '../driver/driver.js';
import type { RemotePlan } from '../driver/remote/plan.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { abortError, errnoCode, strerror } from './errors.js';
import {
  checkHostKey, formatKnownHostsLine, hexFingerprint, knownKeyTypes, parseKnownHosts, type KnownHostEntry,
} from './known-hosts.js';
import { connectTCPSocket } from './tcp.js';
import type { ConnectOptions, Transport } from './types.js';

let ssh2Module: typeof Ssh2 | null = null;

/**
 * ssh2 is loaded on first use: most connections never need it, and the
 * name is kept out of the bundler's sight so that ssh2 (CommonJS, with
 * optional native parts) is resolved from node_modules at run time.
 */
async function loadSsh2(): Promise<typeof Ssh2> {
  if (ssh2Module === null) {
    // require(), not import(): the CLI runs from a vm.Script bundle, where
    // dynamic import() has no loader; the bundle has a real require.
    const req = typeof require === 'function' ? require : createRequire(import.meta.url);
    ssh2Module = req('ssh2') as typeof Ssh2;
  }
  return ssh2Module;
}

/** How many times a rejected password / keyboard-interactive answer is asked again. */
const MAX_TRIES = 3;

/** ssh2's default host key algorithms, most preferred first. */
const DEFAULT_HOST_KEY_ALGOS = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

interface Flavour {
  code: number;
  domain: number;
  /** How the host key fingerprint is shown in prompts and errors. */
  fingerprint(key: Buffer): string;
}

const LIBSSH: Flavour = {
  code: ErrorCode.LIBSSH,
  domain: ErrorDomain.LIBSSH,
  // virLibsshServerKeyAsString: SHA1, ssh_get_hexa.
  fingerprint: (key) => hexFingerprint(key, 'sha1'),
};
const LIBSSH2: Flavour = {
  code: ErrorCode.SSH,
  domain: ErrorDomain.SSH,
  // virNetSSHCheckHostKey: the 16-byte MD5 in upper-case hex pairs.
  fingerprint: (key) => hexFingerprint(key, 'md5', true),
};

function isCallback(auth: ConnectAuth | undefined): auth is ConnectAuth {
  return auth !== undefined && typeof auth.cb === 'function';
}

/**
 * virCredTypeForPrompt + the callback: ECHOPROMPT for echoed prompts,
 * otherwise PASSPHRASE or NOECHOPROMPT, whichever the application lists
 * first. Returns the answer ('' when the callback left none).
 */
async function askCredential(auth: ConnectAuth, prompt: string, echo: boolean, fl: Flavour,
  noSuitable: string, failed: string): Promise<string> {
  const type = auth.credtype.find((t) => (echo
    ? t === CredentialType.ECHOPROMPT
    : t === CredentialType.PASSPHRASE || t === CredentialType.NOECHOPROMPT));
  if (type === undefined) throw VirtError.report(fl.code, fl.domain, noSuitable);
  const cred: ConnectCredential = { type, prompt, challenge: null, defresult: null, result: null };
  let rc: number | void;
  try {
    rc = await auth.cb([cred]);
  } catch (err) {
    throw VirtError.report(fl.code, fl.domain, failed, err instanceof Error ? { cause: err } : undefined);
  }
  if (typeof rc === 'number' && rc !== 0) throw VirtError.report(fl.code, fl.domain, failed);
  return cred.result ?? '';
}

/** virLengthForPromptString: a prompt without its trailing blanks and colons. */
function trimPrompt(s: string): string {
  return s.replace(/[ :]+$/, '');
}

/** The ssh2 method name behind each libvirt method. */
function sshMethod(m: string): string {
  return m === 'privkey' || m === 'agent' ? 'publickey' : m;
}

/**
 * virNetLibsshAuthenticate as an ssh2 authHandler: answers each "what
 * next?" with the next configured method the server offers.
 */
class Authenticator {
  readonly #plan: RemotePlan;
  readonly #auth: ConnectAuth | undefined;
  readonly #env: NodeJS.ProcessEnv;
  readonly #fl: Flavour;
  readonly #methods: string[];
  #index = 0;
  #current: string | null = null;
  #tries = 0;
  #noMethod = false;
  #authFailed = false;
  #lastOffered: string[] = [];
  /** The error that ended authentication, if we ended it. */
  failure: VirtError | null = null;

  readonly #utils: typeof Ssh2.utils;

  constructor(plan: RemotePlan, auth: ConnectAuth | undefined, env: NodeJS.ProcessEnv, fl: Flavour,
    utils: typeof Ssh2.utils) {
    this.#utils = utils;
    this.#plan = plan;
    this.#auth = auth;
    this.#env = env;
    this.#fl = fl;
    this.#methods = plan.sshAuth.map((m) => m.toLowerCase());
  }

  get #user(): string {
    return this.#plan.user ?? 'root';
  }

  readonly handler = (offered: string[] | null, _partial: boolean | null,
    next: (m: AnyAuthMethod | false) => void): void => {
    this.#next(offered).then(next, (err: unknown) => {
      this.failure = err instanceof VirtError ? err
        : VirtError.report(this.#fl.code, this.#fl.domain, `failed to authenticate: ${String(err)}`);
      next(false);
    });
  };

  async #next(offered: string[] | null): Promise<AnyAuthMethod> {
    if (this.failure) throw this.failure;
    // ssh_userauth_none first; the server's answer lists what it accepts.
    if (offered === null) return { type: 'none', username: this.#user };
    this.#lastOffered = offered;
    if (this.#current !== null) {
      // The previous method was rejected.
      this.#authFailed = true;
      const retry = (this.#current === 'password' || this.#current === 'keyboard-interactive') &&
        this.#tries < MAX_TRIES && offered.includes(sshMethod(this.#current));
      if (retry) {
        this.#tries++;
        const again = await this.#attempt(this.#current);
        if (again !== null) return again;
      }
      this.#current = null;
      this.#index++;
    }
    while (this.#index < this.#methods.length) {
      const m = this.#methods[this.#index]!;
      if (!offered.includes(sshMethod(m))) {
        this.#noMethod = true;
        this.#index++;
        continue;
      }
      const attempt = await this.#attempt(m);
      if (attempt === null) {
        this.#authFailed = true;
        this.#index++;
        continue;
      }
      this.#current = m;
      this.#tries = 1;
      return attempt;
    }
    throw this.#finalError();
  }

  #finalError(): VirtError {
    const fl = this.#fl;
    if (this.#methods.length === 1) {
      return VirtError.report(fl.code, fl.domain,
        `failed to authenticate: Access denied. Authentication that can continue: ${this.#lastOffered.join(',')}`);
    }
    if (this.#noMethod && !this.#authFailed) {
      return VirtError.report(ErrorCode.AUTH_FAILED, fl.domain,
        'None of the requested authentication methods are supported by the server');
    }
    return VirtError.report(ErrorCode.AUTH_FAILED, fl.domain,
      'All provided authentication methods with credentials were rejected by the server');
  }

  /** One try of method `m`, or null when it cannot even be tried (no agent). */
  async #attempt(m: string): Promise<AnyAuthMethod | null> {
    const fl = this.#fl;
    const username = this.#user;
    switch (m) {
      case 'agent': {
        const sock = this.#env.SSH_AUTH_SOCK;
        return sock ? { type: 'agent', username, agent: sock } : null;
      }
      case 'privkey':
        return { type: 'publickey', username, key: await this.#privateKey() };
      case 'password': {
        if (!isCallback(this.#auth)) {
          throw VirtError.report(fl.code, fl.domain,
            "Can't perform authentication: Authentication callback not provided");
        }
        const password = await getPassword(this.#plan.uri, this.#auth, 'ssh', username, this.#plan.host, this.#env);
        return { type: 'password', username, password };
      }
      case 'keyboard-interactive': {
        const auth = this.#auth;
        if (!isCallback(auth)) {
          throw VirtError.report(fl.code, fl.domain,
            "No user interaction callback provided: Can't get input from keyboard interactive authentication");
        }
        return {
          type: 'keyboard-interactive', username,
          prompt: (name: string, instructions: string, _lang: string, prompts: Prompt[],
            finish: (answers: string[]) => void) => {
            this.#keyboard(auth, name, instructions, prompts).then(finish, (err: unknown) => {
              this.failure = err instanceof VirtError ? err
                : VirtError.report(fl.code, fl.domain, String(err));
              finish([]);
            });
          },
        };
      }
      default:
        throw VirtError.report(ErrorCode.INVALID_ARG, fl.domain, `Invalid authentication method: '${m}'`);
    }
  }

  async #keyboard(auth: ConnectAuth, name: string, instructions: string, prompts: Prompt[]): Promise<string[]> {
    // The name and instruction head every prompt of the round.
    let head = '';
    if (name) head += name;
    if (instructions) head += (head ? '\n' : '') + instructions;
    if (head) head += '\n';
    const answers: string[] = [];
    for (const p of prompts) {
      answers.push(await askCredential(auth, head + trimPrompt(p.prompt), p.echo === true, this.#fl,
        'no suitable callback for input of keyboard response',
        'failed to retrieve keyboard interactive result: callback has failed'));
    }
    return answers;
  }

  /** virNetLibsshAuthenticatePrivkey's key loading, passphrase through the callback. */
  async #privateKey(): Promise<ParsedKey> {
    const fl = this.#fl;
    const file = this.#plan.keyfile!;
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      throw VirtError.report(ErrorCode.AUTH_FAILED, fl.domain, `error while reading private key '${file}'`);
    }
    const wrong = (): VirtError => VirtError.report(ErrorCode.AUTH_FAILED, fl.domain,
      `error while opening private key '${file}', wrong passphrase?`);
    let key = this.#utils.parseKey(data);
    if (key instanceof Error && /passphrase/i.test(key.message)) {
      const auth = this.#auth;
      if (!isCallback(auth)) {
        throw VirtError.report(fl.code, fl.domain,
          "No user interaction callback provided: Can't retrieve private key passphrase");
      }
      // libssh's own prompt: "Passphrase" for OpenSSH-format keys, "Passphrase
      // for private key:" for PEM ones; libvirt trims the colon.
      const prompt = data.includes('OPENSSH PRIVATE KEY') ? 'Passphrase' : 'Passphrase for private key';
      const passphrase = await askCredential(auth, prompt, false, fl,
        'no suitable callback for input of key passphrase',
        'failed to retrieve private key passphrase: callback has failed');
      key = this.#utils.parseKey(data, passphrase);
    }
    if (key instanceof Error) throw wrong();
    const parsed = Array.isArray(key) ? key[0] : key;
    if (parsed === undefined || !parsed.isPrivateKey()) throw wrong();
    return parsed;
  }
}

/** The exec channel as the RPC stream; a non-zero exit becomes an error. */
class ChannelStream extends Duplex {
  readonly #channel: ClientChannel;
  readonly #client: Client;
  readonly #fl: Flavour;
  #exitCode: number | null = null;
  #ended = false;
  #finished = false;

  constructor(channel: ClientChannel, client: Client, fl: Flavour) {
    super();
    this.#channel = channel;
    this.#client = client;
    this.#fl = fl;
    // Remote stderr is only logged by libvirt; drain it.
    channel.stderr.resume();
    channel.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) channel.pause();
    });
    // ssh_channel_get_exit_status is -1 when the command died by a signal
    // or the channel closed without a status.
    channel.on('exit', (code: number | null) => {
      this.#exitCode = code ?? -1;
      this.#maybeEnd();
    });
    channel.on('end', () => {
      this.#ended = true;
      this.#maybeEnd();
    });
    channel.on('close', () => {
      this.#ended = true;
      this.#exitCode ??= -1;
      this.#maybeEnd();
    });
    channel.on('error', (err: Error) => this.destroy(err));
    client.on('close', () => {
      this.#ended = true;
      this.#exitCode ??= 0;
      this.#maybeEnd();
    });
  }

  exitError(): VirtError | null {
    if (this.#exitCode === null || this.#exitCode === 0) return null;
    return VirtError.report(this.#fl.code, this.#fl.domain,
      `Remote command terminated with non-zero code: ${this.#exitCode}`);
  }

  // ssh_channel_get_exit_status waits for the status after EOF.
  #maybeEnd(): void {
    if (this.#finished || !this.#ended || this.#exitCode === null) return;
    this.#finished = true;
    const err = this.exitError();
    if (err) this.destroy(err);
    else this.push(null);
  }

  override _read(): void {
    this.#channel.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.#channel.writable) {
      cb();
      return;
    }
    this.#channel.write(chunk, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#channel.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    try {
      this.#channel.destroy();
    } catch { /* closed */ }
    this.#client.end();
    cb(err);
  }
}

/** virNetLibsshCheckHostKey. Resolves true to accept the key. */
async function verifyHostKey(plan: RemotePlan, auth: ConnectAuth | undefined, fl: Flavour,
  entries: KnownHostEntry[], key: Buffer, verify: string): Promise<boolean> {
  if (verify === 'ignore') return true;
  const host = plan.host;
  const port = plan.port ?? 22;
  const status = checkHostKey(entries, host, port, key);
  if (status === 'ok') return true;
  const fp = fl.fingerprint(key);
  if (status === 'changed') {
    throw VirtError.report(ErrorCode.AUTH_FAILED, fl.domain,
      `!!! SSH HOST KEY VERIFICATION FAILED !!!: Identity of host '${host}:${port}' differs from stored ` +
      `identity. Please verify the new host key '${fp}' to avoid possible man in the middle attack. ` +
      `The key is stored in '${plan.knownHosts}'.`);
  }
  if (verify === 'normal') {
    if (!isCallback(auth)) {
      throw VirtError.report(fl.code, fl.domain,
        "No user interaction callback provided: Can't verify the session host key");
    }
    const answer = await askCredential(auth,
      `Accept SSH host key with hash '${fp}' for host '${host}:${port}' (y/n)?`, true, fl,
      'no suitable callback for host key verification', 'failed to retrieve decision to accept host key');
    if (answer.toLowerCase() !== 'y') {
      throw VirtError.report(fl.code, fl.domain, `SSH host key for '${host}' (${fp}) was not accepted`);
    }
  }
  if (plan.knownHosts) {
    try {
      mkdirSync(dirname(plan.knownHosts), { recursive: true, mode: 0o700 });
      appendFileSync(plan.knownHosts, formatKnownHostsLine(host, port, key), { mode: 0o600 });
    } catch (err) {
      throw VirtError.report(fl.code, fl.domain,
        `failed to write known_host file '${plan.knownHosts}': ${strerror(err)}`);
    }
  }
  return true;
}

function readKnownHosts(path: string | null): KnownHostEntry[] {
  if (path === null) return [];
  try {
    return parseKnownHosts(readFileSync(path, 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return []; // SSH_SERVER_FILE_NOT_FOUND: an unknown host
    throw err;
  }
}

/** Host key algorithms with the ones known_hosts has for this host first. */
function hostKeyAlgorithms(types: string[]): string[] | undefined {
  if (types.length === 0) return undefined;
  const first: string[] = [];
  for (const t of types) {
    const algos = t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t];
    for (const a of algos) if (!first.includes(a) && (DEFAULT_HOST_KEY_ALGOS.includes(a) || a === 'ssh-dss')) first.push(a);
  }
  return [...first, ...DEFAULT_HOST_KEY_ALGOS.filter((a) => !first.includes(a))];
}

/**
 * virNetSocketNewConnectLibssh / NewConnectLibSSH2 with virNetLibsshSessionConnect.
 *
 * @throws VirtError INVALID_ARG for a bad `known_hosts_verify` or `sshauth`
 *   value; the TCP errors of connectTCPSocket; NO_CONNECT "SSH session
 *   handshake failed: …"; AUTH_FAILED / LIBSSH for host key and
 *   authentication failures; OPERATION_ABORTED when `signal` fires.
 */
export async function connectLibssh(plan: RemotePlan, opts: ConnectOptions = {}): Promise<Transport> {
  const fl = plan.transport === 'libssh2' ? LIBSSH2 : LIBSSH;
  const env = opts.env ?? process.env;
  const { signal, auth } = opts;
  if (signal?.aborted) throw abortError(signal);

  const verify = plan.knownHostsVerify.toLowerCase();
  if (verify !== 'auto' && verify !== 'ignore' && verify !== 'normal') {
    throw VirtError.report(ErrorCode.INVALID_ARG, fl.domain,
      `Invalid host key verification method: '${plan.knownHostsVerify}'`);
  }
  for (const m of plan.sshAuth) {
    const lower = m.toLowerCase();
    if (!['keyboard-interactive', 'password', 'privkey', 'agent'].includes(lower)) {
      throw VirtError.report(ErrorCode.INVALID_ARG, fl.domain, `Invalid authentication method: '${m}'`);
    }
    if (lower === 'privkey' && plan.keyfile === null) {
      throw VirtError.report(fl.code, fl.domain, 'Key file path must be provided for private key authentication');
    }
  }
  if (plan.sshAuth.length === 0) {
    throw VirtError.report(fl.code, fl.domain, 'No authentication methods and credentials provided');
  }
  if (plan.remoteCommand === null) throw VirtError.report(fl.code, fl.domain, 'No channel command provided');

  const ssh2 = await loadSsh2();
  const port = plan.port ?? 22;
  const sock = await connectTCPSocket(plan.host, port, signal);
  let entries: KnownHostEntry[];
  try {
    entries = verify === 'ignore' ? [] : readKnownHosts(plan.knownHosts);
  } catch (err) {
    sock.destroy();
    throw VirtError.report(fl.code, fl.domain, `failed to validate SSH host key: ${strerror(err)}`);
  }

  const client = new ssh2.Client();
  const authenticator = new Authenticator(plan, auth, env, fl, ssh2.utils);
  let hostKeyFailure: VirtError | null = null;

  return new Promise<Transport>((resolve, reject) => {
    let settled = false;
    const fail = (err: VirtError): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.end();
      sock.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });

    const handshakeError = (err: Error): VirtError => VirtError.report(ErrorCode.NO_CONNECT, fl.domain,
      `SSH session handshake failed: ${err.message}`, { cause: err });

    client.on('error', (err: Error & { level?: string }) => {
      // ssh2 reports an unusable agent and goes on with the next method.
      if (err.level === 'agent') return;
      fail(hostKeyFailure ?? authenticator.failure ?? handshakeError(err));
    });
    client.on('close', () => {
      fail(hostKeyFailure ?? authenticator.failure ?? handshakeError(new Error('Socket closed')));
    });
    client.on('ready', () => {
      if (settled) return;
      client.exec(plan.remoteCommand!, (err, channel) => {
        if (settled) {
          channel?.destroy();
          return;
        }
        if (err) {
          fail(VirtError.report(fl.code, fl.domain,
            `failed to execute command '${plan.remoteCommand}': ${err.message}`, { cause: err }));
          return;
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        const stream = new ChannelStream(channel, client, fl);
        resolve({
          stream,
          kind: plan.transport,
          secure: true,
          encrypted: false,
          eofError: () => stream.exitError() ??
            new VirtError(ErrorCode.INTERNAL_ERROR, 'An error occurred, but the cause is unknown', ErrorDomain.NONE),
          close: () => { stream.destroy(); },
        });
      });
    });

    const algorithms = hostKeyAlgorithms(knownKeyTypes(entries, plan.host, port));
    try {
      client.connect({
        sock,
        username: plan.user ?? 'root',
        // libssh blocks without a deadline; prompts may take a while.
        readyTimeout: 0,
        keepaliveInterval: 0,
        ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
        hostVerifier: (key: Buffer, callback: (ok: boolean) => void) => {
          verifyHostKey(plan, auth, fl, entries, key, verify).then(callback, (err: unknown) => {
            hostKeyFailure = err instanceof VirtError ? err
              : VirtError.report(fl.code, fl.domain, `failed to validate SSH host key: ${String(err)}`);
            callback(false);
          });
        },
        authHandler: authenticator.handler as never,
      });
    } catch (err) {
      fail(handshakeError(err as Error));
    }
  });
}
