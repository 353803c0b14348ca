/**
 * The embedded `test` driver: `test:///default` (one host shared by every
 * connection in the process, freed with the last one, as testOpenDefault)
 * and `test:///abs/path.xml` (a private host per connection).
 */
import { getPassword, getUsername } from '../../auth/index.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { ParsedURI } from '../../uri/index.js';
import { parseXml, type XmlElement } from '../../util/xml.js';
import type { EventFamily } from '../../protocol/index.js';
import { GLOBAL_FEATURES, WRITE_METHODS, type Driver, type DriverConnection, type DriverEvent, type OpenOptions } from '../driver.js';
import { DEFAULT_HOST_XML } from './default-host.js';
import { TestHost } from './host.js';
import { getHostname } from './node-hostname.js';
import { BASELINE_METHODS, NODE_CPU_METHODS } from './node-cpu.js';


const SYSINFO = `<sysinfo type='smbios'>
  <bios>
    <entry name='vendor'>LENOVO</entry>
    <entry name='version'>G4ETA1WW (2.61 )</entry>
    <entry name='date'>05/07/2014</entry>
    <entry name='release'>2.61</entry>
  </bios>
</sysinfo>
`;

export class TestDriver implements Driver {
  readonly name = 'test';
  #defaultHost: TestHost | null = null;
  #defaultUsers = 0;
  /** The last default host, kept when no call could have changed it: the next open reuses it. */
  #spare: TestHost | null = null;

  accepts(uri: ParsedURI | null): boolean {
    // Only local URIs: with a server the remote driver takes over.
    return uri !== null && uri.scheme === 'test' && !uri.server && !uri.transport;
  }

  async open(uri: ParsedURI | null, opts: OpenOptions): Promise<DriverConnection> {
    if (!uri) throw new VirtError(ErrorCode.NO_CONNECT, 'no connection driver available for test', ErrorDomain.TEST);
    checkFlags(opts.flags, 1, 'testConnectOpen', ErrorDomain.TEST);
    const path = uri.path ?? '';
    if (path === '' || path === '/') {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.TEST, 'testOpen: supply a path or use test:///default');
    }
    let host: TestHost;
    let release: () => void;
    if (path === '/default') {
      host = this.#acquireDefault();
      release = () => this.#releaseDefault();
    } else {
      host = TestHost.fromFile(path);
      release = () => {};
    }
    try {
      await authenticate(host, uri, opts);
    } catch (e) {
      release();
      throw e;
    }
    return makeConnection(host, release);
  }

  #acquireDefault(): TestHost {
    // A fresh host each time the first connection opens (state resets when
    // the last one closes, as in libvirt), built from the tree parsed once.
    // A host nobody changed is as good as a fresh one, so that is reused.
    if (!this.#defaultHost) {
      this.#defaultHost = this.#spare ?? TestHost.fromElement(defaultHostTree(), '/');
      this.#spare = null;
    }
    this.#defaultUsers++;
    return this.#defaultHost;
  }

  #releaseDefault(): void {
    if (--this.#defaultUsers === 0) {
      const host = this.#defaultHost;
      this.#defaultHost = null;
      if (host && !dirty.has(host)) this.#spare = host;
    }
  }
}

/** DEFAULT_HOST_XML parsed once per process, frozen so no host can change it. */
let defaultTree: XmlElement | null = null;

function defaultHostTree(): XmlElement {
  return defaultTree ??= deepFreeze(parseXml(DEFAULT_HOST_XML, '(test driver)'));
}

function deepFreeze(el: XmlElement): XmlElement {
  for (const c of el.children) deepFreeze(c);
  Object.freeze(el.attrs);
  Object.freeze(el.children);
  return Object.freeze(el);
}

/** testConnectAuthenticate: only hosts whose XML has an `<auth>` section ask. */
async function authenticate(host: TestHost, uri: ParsedURI, opts: OpenOptions): Promise<void> {
  if (host.users.length === 0) return;
  const username = await getUsername(uri, opts.auth, 'test', null, 'localhost');
  const user = host.users.find((u) => u.name === username);
  // Like libvirt, ask for a password even for an unknown user.
  let password: string | null = null;
  if (!user || user.password !== null) password = await getPassword(uri, opts.auth, 'test', username, 'localhost');
  if (!user || (password !== null && user.password !== password)) {
    throw VirtError.report(ErrorCode.AUTH_FAILED, ErrorDomain.TEST,
      'authentication failed, see test XML for the correct username/password');
  }
}

/** What every test connection answers the same way, whatever its host. */
const CONNECT_METHODS: Partial<DriverConnection> = {
  ...NODE_CPU_METHODS,
  ...BASELINE_METHODS,
  async connectGetType() { return { type: 'TEST' }; },
  async connectGetVersion() { return { hv_ver: 2 }; },
  async connectGetHostname() { return { hostname: await getHostname() }; },
  async connectIsSecure() { return { secure: 1 }; },
  async connectIsEncrypted() { return { encrypted: 0 }; },
  async connectIsAlive() { return { alive: 1 }; },
  async connectGetMaxVcpus() { return { max_vcpus: 32 }; },
  async connectGetSysinfo({ flags }) {
    checkFlags(flags, 0, 'testConnectGetSysinfo', ErrorDomain.TEST);
    return { sysinfo: SYSINFO };
  },
  async connectSupportsFeature({ feature }) {
    // testConnectSupportsFeature: the global features only.
    return { supported: GLOBAL_FEATURES.has(feature) ? 1 : 0 };
  },
};

type ConnectionBase = Omit<DriverConnection, 'connectClose'>;

/** Per host: the methods its connections share (their prototype, itself over host.methods()). */
const bases = new WeakMap<TestHost, ConnectionBase>();

/** Hosts on which a call that may change state has been made. */
const dirty = new WeakSet<TestHost>();

/** Whether a contract method may change a host: anything a read-only connection may not call. */
function mayChange(method: string): boolean {
  return WRITE_METHODS.has(method);
}

/** host.methods(), with the calls that may change the host marking it dirty first. */
function trackedMethods(host: TestHost): object {
  const methods = host.methods() as unknown as Record<string, unknown>;
  const tracked: Record<string, unknown> = {};
  for (const name of Object.keys(methods)) {
    const fn = methods[name];
    if (typeof fn !== 'function' || !mayChange(name)) continue;
    tracked[name] = function (this: unknown, ...args: unknown[]) {
      dirty.add(host);
      return (fn as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return Object.assign(Object.create(methods) as object, tracked);
}

function connectionBase(host: TestHost): ConnectionBase {
  let base = bases.get(host);
  if (!base) {
    // Own methods here win over the host's (below in the chain), as before.
    base = Object.assign(Object.create(trackedMethods(host)) as ConnectionBase, CONNECT_METHODS, {
      // Each subscriber (one per connection that asks) gets its own listener on the host's bus.
      subscribeEvents(listener: (ev: DriverEvent) => void) {
        return host.events.subscribe(listener);
      },
      // libvirt's test driver has no secret driver and no QEMU monitor.
      supportsEvents: (family: EventFamily) => family !== 'secret' && family !== 'qemu',
    });
    bases.set(host, base);
  }
  return base;
}

/**
 * A connection is a small object whose prototype holds the host's shared
 * methods; only connectClose (which releases this connection's hold on the
 * host, once) is its own.
 */
function makeConnection(host: TestHost, release: () => void): DriverConnection {
  const conn = Object.create(connectionBase(host)) as DriverConnection;
  let closed = false;
  conn.connectClose = async () => {
    if (closed) return;
    closed = true;
    release();
  };
  return conn;
}
