/**
 * tsvirtd's side of SASL (libvirt's virNetSASLContextNewServer /
 * virNetSASLSessionNewServer over Cyrus, and remoteDispatchAuthSasl* in
 * remote_daemon_dispatch.c), on the mechanisms of src/auth/sasl/.
 *
 * As libvirtd, the daemon reads Cyrus's application config for service
 * "libvirt": the first `libvirt.conf` in SASL_CONF_PATH's directories
 * (colon-separated) or Cyrus's own list (src/auth/sasl/sasl-conf.ts). It uses two
 * keys: `mech_list` (which mechanisms, in the order listed: Cyrus offers
 * them in that order, measured) and `sasldb_path` (the user database;
 * default /etc/sasldb2, Cyrus's compiled-in default on Debian, which
 * Debian's libvirtd uses since its shipped libvirt.conf leaves
 * sasldb_path commented out). The user database is read again at each
 * authentication, as Cyrus's sasldb plugin opens its file per lookup, so
 * users added while the daemon runs can log in at once.
 *
 * Mechanisms we have no code for (GSSAPI, EXTERNAL, …) are never offered,
 * as Cyrus omits a mechanism whose plugin is not installed; asking for one
 * fails like any unknown mechanism ("authentication failed").
 */
import { hostname } from 'node:os';
import {
  DigestMd5Server, PlainServer, SaslError, ScramServer, type PasswordLookup, type SaslServerMechanism, type SecurityLayer,
} from '../auth/sasl/index.js';
import { DEFAULT_SASLDB_PATH, parseSaslConf, readSaslAppConfSync } from '../auth/sasl/sasl-conf.js';
import { readUserDb } from '../auth/sasl/userdb.js';
import { fnmatch } from '../transport/tls-creds.js';

/** The mechanisms tsvirtd serves, and whether each can carry a security layer. */
const MECHANISMS = { 'SCRAM-SHA-256': false, 'SCRAM-SHA-1': false, 'DIGEST-MD5': true, PLAIN: false } as const;
type Mechanism = keyof typeof MECHANISMS;

/** libvirtd's secprops on plain TCP: "good enough to require kerberos" up to an arbitrary big number. */
const TCP_SSF = { minSsf: 56, maxSsf: 100000 } as const;
/** On TLS and unix sockets libvirtd asks for no layer at all. */
const SECURE_SSF = { minSsf: 0, maxSsf: 0 } as const;

export { DEFAULT_SASLDB_PATH };

/** What tsvirtd takes from Cyrus's `libvirt.conf`. */
export interface SaslAppConfig {
  /** mech_list, upper-cased, in file order; null: every mechanism tsvirtd has. */
  mechList: string[] | null;
  sasldbPath: string;
}

function appConfigOf(options: Map<string, string>): SaslAppConfig {
  const mechs = options.get('mech_list');
  return {
    mechList: mechs === undefined ? null : mechs.split(/[\s,]+/).filter((s) => s !== '').map((s) => s.toUpperCase()),
    sasldbPath: options.get('sasldb_path') || DEFAULT_SASLDB_PATH,
  };
}

/** The two keys of a `libvirt.conf` text. */
export function parseSaslAppConfig(text: string): SaslAppConfig {
  return appConfigOf(parseSaslConf(text));
}

/** Reads Cyrus's application config as libvirtd's SASL library would at start-up. */
export function loadSaslAppConfig(env: NodeJS.ProcessEnv = process.env): SaslAppConfig {
  return appConfigOf(readSaslAppConfSync('libvirt', env)?.options ?? new Map());
}

/** The daemon-wide SASL settings (virNetSASLContext for the server). */
export interface SaslContext {
  app: SaslAppConfig;
  /** sasl_allowed_username_list; null lets every authenticated user in. */
  allowedUsernames: readonly string[] | null;
  /** The realm users are looked up in: Cyrus's default, the server's host name. */
  realm: string;
}

export function saslContext(allowedUsernames: readonly string[] | null, env: NodeJS.ProcessEnv = process.env): SaslContext {
  return { app: loadSaslAppConfig(env), allowedUsernames, realm: hostname() };
}

/** virNetSASLContextCheckIdentity: fnmatch against each pattern; no list allows anyone. */
export function isIdentityAllowed(ctx: SaslContext, identity: string): boolean {
  const list = ctx.allowedUsernames;
  return list === null || list.some((p) => fnmatch(p, identity));
}

/** A step's outcome: the data for the client (null: none) and whether the exchange is over. */
export interface SaslStepResult { complete: boolean; data: Buffer | null }

/** A refused exchange: the caller answers "authentication failed" and drops the session. */
export class SaslAuthFailure extends Error {
  override name = 'SaslAuthFailure';
}

/**
 * One client's authentication attempt, from AUTH_SASL_INIT until it
 * completes or fails (virNetSASLSession). `secure`: TLS or a unix socket.
 */
export class SaslServerSession {
  readonly #ctx: SaslContext;
  readonly #secure: boolean;
  readonly mechanisms: readonly Mechanism[];
  #mech: SaslServerMechanism | null = null;

  constructor(ctx: SaslContext, secure: boolean) {
    this.#ctx = ctx;
    this.#secure = secure;
    const wanted = ctx.app.mechList ?? Object.keys(MECHANISMS);
    const known = wanted.filter((m): m is Mechanism => Object.hasOwn(MECHANISMS, m));
    // Cyrus drops a mechanism that cannot reach the minimum SSF.
    this.mechanisms = [...new Set(known)].filter((m) => secure || MECHANISMS[m]);
  }

  /** The list AUTH_SASL_INIT returns (sasl_listmech with "," between, nothing around). */
  get mechlist(): string {
    return this.mechanisms.join(',');
  }

  /** sasl_server_start. An empty initial response counts as none, as Cyrus treats it (measured with PLAIN). */
  async start(mech: string, data: Buffer | null): Promise<SaslStepResult> {
    // Cyrus's sasl_server_start matches the name ignoring ASCII case (measured:
    // stock libvirtd takes "digest-md5"); not toUpperCase, which maps "ſ" to "S".
    const name = mech.replace(/[a-z]+/g, (s) => s.toUpperCase());
    if (!(this.mechanisms as readonly string[]).includes(name)) throw new SaslAuthFailure(`mechanism ${mech} is not available`);
    const db = await readUserDb(this.#ctx.app.sasldbPath);
    this.#mech = this.#make(name as Mechanism, db.lookup);
    return this.#run(() => this.#mech!.start(data !== null && data.length === 0 ? null : data));
  }

  /** sasl_server_step. */
  step(data: Buffer | null): SaslStepResult {
    const m = this.#mech;
    if (m === null) throw new SaslAuthFailure('no mechanism started');
    return this.#run(() => m.step(data));
  }

  /**
   * remoteSASLFinish's checks: the SSF on plain TCP and the username list.
   * Returns the authenticated identity.
   */
  finish(): string {
    const m = this.#mech!;
    if (!this.#secure && (m.layer?.ssf ?? 0) < TCP_SSF.minSsf) throw new SaslAuthFailure(`negotiated SSF ${m.layer?.ssf ?? 0} was not strong enough`);
    const identity = m.username;
    if (identity === null) throw new SaslAuthFailure('no identity');
    if (!isIdentityAllowed(this.#ctx, identity)) throw new SaslAuthFailure(`Client's username '${identity}' is not on the list of allowed clients`);
    return identity;
  }

  /** The negotiated security layer, on plain TCP only (libvirt asks for none elsewhere). */
  get layer(): SecurityLayer | null {
    return this.#secure ? null : this.#mech?.layer ?? null;
  }

  #run(f: () => Buffer | null): SaslStepResult {
    let data: Buffer | null;
    try {
      data = f();
    } catch (e) {
      if (e instanceof SaslError) throw new SaslAuthFailure(e.message);
      throw e;
    }
    return { complete: this.#mech!.isComplete, data };
  }

  #make(mech: Mechanism, lookup: PasswordLookup): SaslServerMechanism {
    const realm = this.#ctx.realm;
    switch (mech) {
      case 'SCRAM-SHA-256': return new ScramServer('sha256', lookup, realm);
      case 'SCRAM-SHA-1': return new ScramServer('sha1', lookup, realm);
      case 'PLAIN': return new PlainServer(lookup, realm);
      case 'DIGEST-MD5': return new DigestMd5Server({
        lookup, service: 'libvirt', realm, ssf: this.#secure ? SECURE_SSF : TCP_SSF,
      });
    }
  }
}
