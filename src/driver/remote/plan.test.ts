import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientConfig } from '../../config/index.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseURI } from '../../uri/index.js';
import { escapeShell, planRemote, sshHelperCommand, type PlanOptions, type RemotePlan } from './plan.js';

const ENV = { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000', XDG_CONFIG_HOME: '/home/u/.config' };
const nothing = (): boolean => false;

function plan(uri: string | null, o: Partial<PlanOptions> = {}): RemotePlan {
  return planRemote(uri === null ? null : parseURI(uri), {
    flags: 0, env: ENV, uid: 1000, fileExists: nothing, ...o,
  });
}

function throws(fn: () => unknown, code: number, domain: number, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof VirtError);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.equal(e.domain, domain);
    return true;
  });
}

/** The nc fallback text libvirt builds for a socket path (virNetClientSSHHelperCommand). */
function nc(sock: string, netcat = "'nc'"): string {
  return `if ${netcat} -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;` +
    `${netcat} $ARG -U ${sock}`;
}

describe('planRemote: unix sockets and flags', () => {
  const table: [string | null, Partial<PlanOptions>, Partial<RemotePlan>][] = [
    ['qemu:///system', {}, {
      transport: 'unix', name: 'qemu:///system', socketPath: '/var/run/libvirt/libvirt-sock',
      openFlags: 0, session: false, autostart: false, probe: false, mode: 'legacy', host: 'localhost',
    }],
    ['qemu:///system', { flags: 1 }, { socketPath: '/var/run/libvirt/libvirt-sock-ro', openFlags: 1, readonly: true }],
    ['qemu:///session', {}, {
      socketPath: '/run/user/1000/libvirt/libvirt-sock', openFlags: 6, session: true, autostart: true,
      daemonName: 'libvirtd', proxy: 'native',
    }],
    // RO does not pick another session socket.
    ['qemu:///session', { flags: 1 }, { socketPath: '/run/user/1000/libvirt/libvirt-sock', openFlags: 7 }],
    ['qemu:///session', { env: { ...ENV, LIBVIRT_AUTOSTART: '0' } }, { openFlags: 2, autostart: false, daemonName: null }],
    ['qemu:///session', { env: { ...ENV, LIBVIRT_AUTOSTART: '' } }, { openFlags: 6 }],
    ['qemu:///session', { uid: 0 }, { socketPath: '/var/run/libvirt/libvirt-sock', openFlags: 0, session: false }],
    ['qemu:///session', { env: { HOME: '/home/u' } }, { socketPath: '/home/u/.cache/libvirt/libvirt-sock' }],
    ['qemu:///session', { env: { HOME: '/home/u', XDG_CACHE_HOME: '/c' } }, { socketPath: '/c/libvirt/libvirt-sock' }],
    // test+… URIs use the session daemon too, even with a host (no autostart then).
    ['test+unix:///default', {}, { name: 'test:///default', openFlags: 6, driver: 'test' }],
    ['test+tcp://h/default', {}, { transport: 'tcp', openFlags: 2, host: 'h', port: 16509 }],
    [null, {}, {
      probe: true, name: '', openFlags: 6, driver: null, daemonName: 'libvirtd',
      socketPath: '/run/user/1000/libvirt/libvirt-sock',
    }],
    [null, { uid: 0 }, { probe: true, name: '', openFlags: 0, socketPath: '/var/run/libvirt/libvirt-sock' }],
    [null, { uid: 0, flags: 1 }, { openFlags: 1, socketPath: '/var/run/libvirt/libvirt-sock-ro' }],
    // mode= is consumed, and direct picks the per-driver daemon socket.
    ['qemu:///system?mode=direct', {}, {
      name: 'qemu:///system', socketPath: '/var/run/libvirt/virtqemud-sock', mode: 'direct',
    }],
    ['qemu:///session?mode=direct', {}, {
      socketPath: '/run/user/1000/libvirt/virtqemud-sock', daemonName: 'virtqemud',
    }],
    ['qemu:///system?mode=legacy', { config: parseClientConfig('remote_mode = "direct"\n', 'libvirt.conf') },
      { socketPath: '/var/run/libvirt/libvirt-sock' }],
    ['qemu:///system', { config: parseClientConfig('remote_mode = "direct"\n', 'libvirt.conf') },
      { socketPath: '/var/run/libvirt/virtqemud-sock' }],
    // auto: whichever socket exists, direct first.
    ['qemu:///system', { fileExists: (p) => p === '/var/run/libvirt/virtqemud-sock' },
      { socketPath: '/var/run/libvirt/virtqemud-sock', mode: 'direct' }],
    ['qemu:///system', { fileExists: (p) => p === '/var/run/libvirt/libvirt-sock' },
      { socketPath: '/var/run/libvirt/libvirt-sock', mode: 'legacy' }],
    ['qemu:///system?socket=/tmp/s', {}, { socketPath: '/tmp/s', name: 'qemu:///system', mode: null }],
    ['qemu+unix:///system?SOCKET=/tmp/s&foo=bar', {}, { socketPath: '/tmp/s', name: 'qemu:///system?foo=bar' }],
  ];
  for (const [uri, opts, want] of table) {
    it(`${uri ?? '(probe)'} ${JSON.stringify(opts.flags ?? '')}${opts.uid === 0 ? ' as root' : ''}`, () => {
      const got = plan(uri, opts);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof RemotePlan], v, k);
    });
  }
});

describe('planRemote: names, hosts and ports', () => {
  it('keeps what the remote driver does not consume, in order', () => {
    const p = plan('qemu+tcp://user@host:1234/system?authfile=/a&foo=1&no_verify=1&bar=x%20y&pkipath=/p#frag');
    assert.equal(p.name, 'qemu:///system?foo=1&bar=x%20y#frag');
    assert.equal(p.host, 'host');
    assert.equal(p.port, 1234);
    assert.equal(p.user, 'user');
    assert.equal(p.noVerify, true);
    assert.equal(p.pkipath, '/p');
  });
  it('name= overrides, remote:// sends an empty name', () => {
    assert.equal(plan('qemu+tcp://h/system?name=xen:///').name, 'xen:///');
    assert.equal(plan('remote://h/').name, '');
    assert.equal(plan('remote+tcp://h/').name, '');
    assert.equal(plan('remote://h/').probe, false);
  });
  it('a host without a transport means tls', () => {
    const p = plan('test://host/default');
    assert.equal(p.transport, 'tls');
    assert.equal(p.port, 16514);
    assert.equal(p.name, 'test:///default');
  });
  it('IPv6 literals lose their brackets', () => {
    const p = plan('qemu+tcp://[::1]:16000/system');
    assert.equal(p.host, '::1');
    assert.equal(p.port, 16000);
  });
  it('auth= and tls_priority= are kept for the client', () => {
    const p = plan('qemu+tls://h/system?auth=sasl.gssapi&tls_priority=NORMAL');
    assert.equal(p.authType, 'sasl.gssapi');
    assert.equal(p.tlsPriority, 'NORMAL');
    assert.equal(p.name, 'qemu:///system');
  });
});

describe('planRemote: errors', () => {
  it('unknown transport', () => throws(() => plan('qemu+foo:///system'), ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
    'invalid argument: remote_open: transport in URL not recognised (should be tls|unix|ssh|ext|tcp|libssh2|libssh)'));
  it('unix with a server', () => throws(() => plan('qemu+unix://h/system'), ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
    "invalid argument: using unix socket and remote server 'h' is not supported."));
  it('a boolean that is not a number', () => throws(() => plan('qemu+ssh://h/system?no_tty=yes'),
    ErrorCode.INVALID_ARG, ErrorDomain.REMOTE, 'invalid argument: Failed to parse value of URI component no_tty'));
  it('bad mode and proxy', () => {
    throws(() => plan('qemu:///system?mode=bogus'), ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
      "invalid argument: Unknown remote mode 'bogus'");
    throws(() => plan('qemu+ssh://h/system?proxy=bogus'), ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
      "invalid argument: Unnkown proxy type 'bogus'");
  });
  it('ext needs a command', () => throws(() => plan('qemu+ext:///system'), ErrorCode.INVALID_ARG, ErrorDomain.REMOTE,
    "invalid argument: remote_open: for 'ext' transport, command is required"));
  it('direct mode over ssh', () => throws(() => plan('qemu+ssh://h/system?mode=direct'),
    ErrorCode.OPERATION_UNSUPPORTED, ErrorDomain.REMOTE, 'Operation not supported: Cannot use direct socket mode for ssh transport'));
  it('netcat with the native proxy', () => throws(() => plan('qemu+ssh://h/system?proxy=native&netcat=nc'),
    ErrorCode.INVALID_ARG, ErrorDomain.RPC, 'invalid argument: netcat path not valid with native proxy mode'));
});

describe('planRemote: ssh argv', () => {
  const sysSock = '/var/run/libvirt/libvirt-sock';
  const auto = (uri: string, sock = sysSock, ro = ''): string =>
    "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then " +
    `    virt-ssh-helper ${ro}'${uri}'; else    ${nc(sock)}; fi'`;
  const table: [string, Partial<PlanOptions>, string[]][] = [
    ['qemu+ssh://example.com/system', {}, ['ssh', '-T', '-e', 'none', '--', 'example.com', auto('qemu:///system')]],
    ['qemu+ssh://root@example.com:2222/system?keyfile=/k&no_tty=1&no_verify=1', {}, [
      'ssh', '-p', '2222', '-l', 'root', '-i', '/k', '-T', '-e', 'none', '-o', 'BatchMode=yes',
      '-o', 'StrictHostKeyChecking=no', '--', 'example.com', auto('qemu:///system')]],
    ['qemu+ssh://h/system?no_tty=0&no_verify=0', {}, ['ssh', '-T', '-e', 'none', '--', 'h', auto('qemu:///system')]],
    ['qemu+ssh://h/system', { flags: 1 }, ['ssh', '-T', '-e', 'none', '--', 'h',
      auto('qemu:///system', '/var/run/libvirt/libvirt-sock-ro', '-r ')]],
    ['qemu+ssh://h/system?command=/opt/bin/myssh', {}, ['/opt/bin/myssh', '-T', '-e', 'none', '--', 'h', auto('qemu:///system')]],
    // A netcat path means the nc proxy; so does an explicit socket.
    ['qemu+ssh://h/system?netcat=/usr/bin/nc', {}, ['ssh', '-T', '-e', 'none', '--', 'h',
      `sh -c '${nc(sysSock, "'/usr/bin/nc'")}'`]],
    ['qemu+ssh://h/system?socket=/tmp/s', {}, ['ssh', '-T', '-e', 'none', '--', 'h', `sh -c '${nc('/tmp/s')}'`]],
    ['qemu+ssh://h/system?proxy=netcat', {}, ['ssh', '-T', '-e', 'none', '--', 'h', `sh -c '${nc(sysSock)}'`]],
    ['qemu+ssh://h/system?proxy=native', {}, ['ssh', '-T', '-e', 'none', '--', 'h', "sh -c 'virt-ssh-helper 'qemu:///system''"]],
    // Session URIs go to virt-ssh-helper, which knows the far side's paths.
    ['qemu+ssh://h/session', {}, ['ssh', '-T', '-e', 'none', '--', 'h', "sh -c 'virt-ssh-helper 'qemu:///session''"]],
    ['qemu+ssh://h/session', { flags: 1 }, ['ssh', '-T', '-e', 'none', '--', 'h', "sh -c 'virt-ssh-helper -r 'qemu:///session''"]],
    // The URI given to virt-ssh-helper is escaped twice.
    ['qemu+ssh://h/system?proxy=native&a=1&b=2', {}, ['ssh', '-T', '-e', 'none', '--', 'h',
      "sh -c 'virt-ssh-helper '''\\''qemu:///system?a=1&b=2'\\'''''"]],
    ['qemu+ssh://[fe80::1]:22/system?proxy=native', {}, ['ssh', '-p', '22', '-T', '-e', 'none', '--', 'fe80::1',
      "sh -c 'virt-ssh-helper 'qemu:///system''"]],
  ];
  for (const [uri, opts, argv] of table) {
    it(`${uri}${opts.flags ? ' (ro)' : ''}`, () => {
      const p = plan(uri, opts);
      assert.equal(p.transport, 'ssh');
      assert.deepEqual(p.command, argv);
      assert.equal(p.remoteCommand, argv.at(-1));
    });
  }
  it('mode=legacy is accepted over ssh; the remote socket follows the session rule', () => {
    assert.equal(plan('qemu+ssh://h/system?mode=legacy').socketPath, sysSock);
    assert.equal(plan('qemu+ssh://h/session?proxy=netcat').remoteCommand,
      `sh -c '${nc('/run/user/1000/libvirt/libvirt-sock')}'`);
  });
});

describe('sshHelperCommand: libvirt virnetsockettest cases', () => {
  const cases: [string, string][] = [
    ['nc', "'nc'"],
    ['netcat', "'netcat'"],
    ['n c', "'''\\''n c'\\''''"],
    ["n'c", "'''\\''n'\\''\\'\\'''\\''c'\\''''"],
    ['n"c', "'''\\''n\"c'\\''''"],
  ];
  for (const [netcat, quoted] of cases) {
    it(`netcat ${JSON.stringify(netcat)}`, () => {
      assert.equal(sshHelperCommand('auto', netcat, '/tmp/socket', 'qemu:///session', true),
        `sh -c '${nc('/tmp/socket', quoted)}'`);
    });
  }
  it('auto and native, read-only', () => {
    assert.equal(sshHelperCommand('auto', null, '/tmp/socket', 'qemu:///session', true),
      "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then     virt-ssh-helper -r 'qemu:///session'; " +
      `else    ${nc('/tmp/socket')}; fi'`);
    assert.equal(sshHelperCommand('native', null, '', 'qemu:///session', true),
      "sh -c 'virt-ssh-helper -r 'qemu:///session''");
  });
  it('escapeShell quotes only when needed', () => {
    assert.equal(escapeShell('plain/path-1.0'), 'plain/path-1.0');
    assert.equal(escapeShell(''), "''");
    assert.equal(escapeShell('a b'), "'a b'");
    assert.equal(escapeShell("it's"), "'it'\\''s'");
  });
});

describe('planRemote: ext, libssh', () => {
  it('ext runs command= as one argv element', () => {
    const p = plan('qemu+ext:///system?command=/usr/bin/my%20helper%20--flag');
    assert.deepEqual(p.command, ['/usr/bin/my helper --flag']);
    assert.equal(p.name, 'qemu:///system');
    assert.equal(p.socketPath, null);
  });
  it('libssh defaults: root, port 22, libvirt known_hosts, no key', () => {
    const p = plan('qemu+libssh://h/system');
    assert.equal(p.user, 'root');
    assert.equal(p.port, 22);
    assert.equal(p.knownHosts, '/home/u/.config/libvirt/known_hosts');
    assert.equal(p.knownHostsVerify, 'normal');
    assert.equal(p.keyfile, null);
    assert.deepEqual(p.sshAuth, ['agent', 'password', 'keyboard-interactive']);
    assert.equal(p.remoteCommand, "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then " +
      `    virt-ssh-helper 'qemu:///system'; else    ${nc('/var/run/libvirt/libvirt-sock')}; fi'`);
    assert.equal(p.command, null);
  });
  it('libssh finds the first default key and adds privkey', () => {
    const p = plan('qemu+libssh2://me@h:2200/system', {
      fileExists: (f) => f === '/home/u/.ssh/id_ed25519' || f === '/home/u/.ssh/id_rsa',
    });
    assert.equal(p.transport, 'libssh2');
    assert.equal(p.keyfile, '/home/u/.ssh/id_ed25519');
    assert.deepEqual(p.sshAuth, ['agent', 'privkey', 'password', 'keyboard-interactive']);
    assert.equal(p.user, 'me');
    assert.equal(p.port, 2200);
  });
  it('libssh parameters', () => {
    const p = plan('qemu+libssh://h/system?known_hosts=/kh&known_hosts_verify=auto&sshauth=password,privkey&keyfile=/k');
    assert.equal(p.knownHosts, '/kh');
    assert.equal(p.knownHostsVerify, 'auto');
    assert.deepEqual(p.sshAuth, ['password', 'privkey']);
    assert.equal(p.keyfile, '/k');
    assert.equal(p.name, 'qemu:///system');
  });
});
