import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { daemonConfigPath, defaultDaemonConfig, loadDaemonConfig, parseDaemonConfig } from './config.js';

const FILE = '/etc/libvirt/libvirtd.conf';

/** Asserts libvirt's message (as libvirtd 9.0 prints it after "Can't load config file: "). */
function rejects(text: string, msg: string, code?: number): void {
  assert.throws(() => parseDaemonConfig(text, FILE), (err: unknown) => {
    assert.ok(err instanceof VirtError);
    assert.equal(err.message, msg);
    if (code !== undefined) assert.equal(err.code, code);
    return true;
  });
}

describe('daemon config: defaults', () => {
  test("libvirtd's defaults (a build without polkit and SASL)", () => {
    const c = parseDaemonConfig('# nothing\n', FILE);
    assert.equal(c.listenTcp, false);
    assert.equal(c.listenTls, true);
    assert.equal(c.tcpPort, '16509');
    assert.equal(c.tlsPort, '16514');
    assert.equal(c.listenAddr, null);
    assert.equal(c.unixSockDir, null);
    assert.equal(c.unixSockGroup, null);
    assert.equal(c.unixSockRoPerms, '0777');
    assert.equal(c.unixSockRwPerms, '0700');
    assert.equal(c.unixSockAdminPerms, '0700');
    assert.deepEqual([c.authUnixRo, c.authUnixRw, c.authTcp, c.authTls], ['none', 'none', 'sasl', 'none']);
    assert.equal(c.maxClients, 5000);
    assert.equal(c.maxQueuedClients, 1000);
    assert.equal(c.maxAnonymousClients, 20);
    assert.equal(c.maxClientRequests, 5);
    assert.deepEqual([c.minWorkers, c.maxWorkers, c.prioWorkers], [5, 20, 5]);
    assert.deepEqual([c.keepaliveInterval, c.keepaliveCount], [5, 5]);
    assert.deepEqual([c.adminMaxClients, c.adminMaxQueuedClients, c.adminKeepaliveInterval], [5000, 20, 5]);
    assert.equal(c.logLevel, 0);
    assert.equal(c.logOutputs, null);
    assert.equal(c.logFilters, null);
    assert.equal(c.auditLevel, 1);
    assert.equal(c.setKeys.size, 0);
    assert.deepEqual({ ...c, setKeys: null }, { ...defaultDaemonConfig(), setKeys: null });
  });
});

describe('daemon config: every key', () => {
  test('values are read with their libvirt types', () => {
    const c = parseDaemonConfig(`
listen_tcp = 1
listen_tls = 0
tcp_port = "16599"
tls_port = "16598"
listen_addr = "::1"
auth_unix_ro = "none"
auth_unix_rw = "none"
auth_tcp = "none"
auth_tls = "none"
access_drivers = [ "none" ]
unix_sock_group = "libvirt"
unix_sock_ro_perms = "0755"
unix_sock_rw_perms = "0770"
unix_sock_admin_perms = "0701"
unix_sock_dir = "/tmp/x"
tls_no_sanity_certificate = 1
tls_no_verify_certificate = 1
key_file = "/k"
cert_file = "/c"
ca_file = "/ca"
crl_file = "/crl"
tls_allowed_dn_list = ["C=GB,*"]
tls_priority = "NORMAL"
tcp_min_ssf = 112
sasl_allowed_username_list = ["joe@EXAMPLE.COM"]
min_workers = 1
max_workers = 2
max_clients = 3
max_queued_clients = 4
max_anonymous_clients = 5
prio_workers = 6
max_client_requests = 7
admin_min_workers = 8
admin_max_workers = 9
admin_max_clients = 10
admin_max_queued_clients = 11
admin_max_client_requests = 12
audit_level = 2
audit_logging = 1
host_uuid = "00000000-0000-0000-0000-000000000001"
host_uuid_source = "machine-id"
log_level = 1
log_filters = "1:util 4:object"
log_outputs = "3:stderr"
keepalive_interval = -1
keepalive_count = 0
admin_keepalive_interval = 13
admin_keepalive_count = 14
ovs_timeout = 15
`, FILE);
    assert.equal(c.listenTcp, true);
    assert.equal(c.listenTls, false);
    assert.equal(c.tcpPort, '16599');
    assert.equal(c.tlsPort, '16598');
    assert.equal(c.listenAddr, '::1');
    assert.deepEqual(c.accessDrivers, ['none']);
    assert.equal(c.unixSockGroup, 'libvirt');
    assert.deepEqual([c.unixSockRoPerms, c.unixSockRwPerms, c.unixSockAdminPerms], ['0755', '0770', '0701']);
    assert.equal(c.unixSockDir, '/tmp/x');
    assert.equal(c.tlsNoSanityCertificate, true);
    assert.equal(c.tlsNoVerifyCertificate, true);
    assert.deepEqual([c.keyFile, c.certFile, c.caFile, c.crlFile], ['/k', '/c', '/ca', '/crl']);
    assert.deepEqual(c.tlsAllowedDnList, ['C=GB,*']);
    assert.equal(c.tlsPriority, 'NORMAL');
    assert.equal(c.tcpMinSsf, 112);
    assert.deepEqual(c.saslAllowedUsernameList, ['joe@EXAMPLE.COM']);
    assert.deepEqual(
      [c.minWorkers, c.maxWorkers, c.maxClients, c.maxQueuedClients, c.maxAnonymousClients, c.prioWorkers, c.maxClientRequests],
      [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      [c.adminMinWorkers, c.adminMaxWorkers, c.adminMaxClients, c.adminMaxQueuedClients, c.adminMaxClientRequests],
      [8, 9, 10, 11, 12]);
    assert.equal(c.auditLevel, 2);
    assert.equal(c.auditLogging, true);
    assert.equal(c.hostUuid, '00000000-0000-0000-0000-000000000001');
    assert.equal(c.hostUuidSource, 'machine-id');
    assert.equal(c.logLevel, 1);
    assert.equal(c.logFilters, '1:util 4:object');
    assert.equal(c.logOutputs, '3:stderr');
    assert.equal(c.keepaliveInterval, -1);
    assert.equal(c.keepaliveCount, 0);
    assert.equal(c.adminKeepaliveInterval, 13);
    assert.equal(c.adminKeepaliveCount, 14);
    assert.equal(c.ovsTimeout, 15);
    assert.ok(c.setKeys.has('listen_tls'));
    assert.equal(c.setKeys.size, 49);
  });

  test('unknown keys are ignored, as libvirtd ignores them', () => {
    const c = parseDaemonConfig('bogus_key = 1\nmax_clients = 7\nanother = "x"\n', FILE);
    assert.equal(c.maxClients, 7);
  });

  test('the first of duplicate keys wins (virConfGetValue)', () => {
    assert.equal(parseDaemonConfig('max_clients = 7\nmax_clients = 9\n', FILE).maxClients, 7);
  });

  test('the shipped file with everything commented out gives the defaults', () => {
    const c = parseDaemonConfig('#listen_tls = 0\n#listen_tcp = 1\n#tcp_port = "16509"\n', FILE);
    assert.equal(c.listenTcp, false);
    assert.equal(c.setKeys.size, 0);
  });
});

describe("daemon config: libvirtd 9.0's errors (checked against the binary)", () => {
  test('type errors', () => {
    rejects('tcp_port = 16509', `internal error: ${FILE}: expected a string for 'tcp_port' parameter`, ErrorCode.INTERNAL_ERROR);
    rejects('listen_tcp = "1"', `internal error: ${FILE}: expected a bool for 'listen_tcp' parameter`);
    rejects('listen_tcp = 2', `internal error: ${FILE}: value for 'listen_tcp' parameter must be 0 or 1`);
    rejects('listen_tcp = -1', `internal error: ${FILE}: expected a bool for 'listen_tcp' parameter`);
    rejects('max_clients = -5', `internal error: ${FILE}: expected an unsigned integer for 'max_clients' parameter`);
    rejects('max_clients = "5"', `internal error: ${FILE}: expected an unsigned integer for 'max_clients' parameter`);
    rejects('keepalive_interval = "5"', `internal error: ${FILE}: expected a signed integer for 'keepalive_interval' parameter`);
    rejects('keepalive_interval = 3000000000',
      `internal error: ${FILE}: value for 'keepalive_interval' parameter must be in range -2147483648:2147483647`);
    rejects('listen_addr = 5', `internal error: ${FILE}: expected a string for 'listen_addr' parameter`);
    rejects('unix_sock_dir = ["a"]', `internal error: ${FILE}: expected a string for 'unix_sock_dir' parameter`);
    rejects('access_drivers = "x"', `internal error: ${FILE}: expected a string list for 'access_drivers' parameter`);
    rejects('sasl_allowed_username_list = ["a", 1]',
      `configuration file syntax error: ${FILE}: expected a string list for 'sasl_allowed_username_list' parameter`,
      ErrorCode.CONF_SYNTAX);
    rejects('ovs_timeout = -1', `internal error: ${FILE}: expected an unsigned integer for 'ovs_timeout' parameter`);
  });

  test('checks of their own', () => {
    rejects('max_workers = 0', "internal error: 'max_workers' must be greater than 0");
    rejects('tcp_min_ssf = 56', 'unsupported configuration: minimum SSF levels lower than 112 are not supported',
      ErrorCode.CONFIG_UNSUPPORTED);
    rejects('auth_tcp = "tls"', `unsupported configuration: ${FILE}: auth_tcp: unsupported auth tls`);
    rejects('auth_unix_rw = "foo"', `unsupported configuration: ${FILE}: auth_unix_rw: unsupported auth foo`);
  });

  test('polkit is refused as by a libvirtd built without it; sasl is accepted on every socket', () => {
    rejects('auth_unix_ro = "polkit"', `unsupported configuration: ${FILE}: auth_unix_ro: unsupported auth polkit`);
    const c = parseDaemonConfig('auth_unix_rw = "sasl"\nauth_unix_ro = "sasl"\nauth_tcp = "none"\nauth_tls = "sasl"\n', FILE);
    assert.deepEqual([c.authUnixRw, c.authUnixRo, c.authTcp, c.authTls], ['sasl', 'sasl', 'none', 'sasl']);
  });

  test('the first bad key in libvirtd\'s reading order is the one reported', () => {
    rejects('bogus_key = 1\nmax_workers = 0', "internal error: 'max_workers' must be greater than 0");
    rejects('keepalive_count = "x"\nlog_level = "x"', `internal error: ${FILE}: expected an unsigned integer for 'log_level' parameter`);
    rejects('tcp_port = 1\ntls_port = 1', `internal error: ${FILE}: expected a string for 'tls_port' parameter`);
    rejects('auth_tcp = 1\nlisten_addr = 1', `internal error: ${FILE}: expected a string for 'listen_addr' parameter`);
    rejects('unix_sock_dir = 1\naccess_drivers = 1', `internal error: ${FILE}: expected a string list for 'access_drivers' parameter`);
    rejects('host_uuid = 1\naudit_level = "x"', `internal error: ${FILE}: expected an unsigned integer for 'audit_level' parameter`);
    rejects('max_clients = "x"\ntcp_min_ssf = 10', 'unsupported configuration: minimum SSF levels lower than 112 are not supported');
    rejects('tcp_min_ssf = 10\ntls_priority = 1', `internal error: ${FILE}: expected a string for 'tls_priority' parameter`);
  });

  test('syntax errors come from the virConf parser', () => {
    rejects('x = ', `configuration file syntax error: ${FILE}:1: expecting a value`, ErrorCode.CONF_SYNTAX);
  });

  test('errors are in the CONF domain', () => {
    assert.throws(() => parseDaemonConfig('max_workers = 0', FILE), (e: unknown) => (e as VirtError).domain === ErrorDomain.CONF);
  });
});

describe('daemon config: files', () => {
  test('the implicit file may be missing; -f must exist', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirtd-conf-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const missing = join(dir, 'nope.conf');
    assert.equal(loadDaemonConfig(missing, true).maxClients, 5000);
    assert.throws(() => loadDaemonConfig(missing, false), {
      message: `Failed to open file '${missing}': No such file or directory`,
    });
    const file = join(dir, 'tsvirtd.conf');
    writeFileSync(file, 'max_clients = 12\n');
    assert.equal(loadDaemonConfig(file, true).maxClients, 12);
    assert.equal(loadDaemonConfig(file, false).maxClients, 12);
    writeFileSync(file, 'max_clients = "12"\n');
    assert.throws(() => loadDaemonConfig(file, true), {
      message: `internal error: ${file}: expected an unsigned integer for 'max_clients' parameter`,
    });
  });

  test('default paths', () => {
    assert.equal(daemonConfigPath(true, {}), '/etc/libvirt/tsvirtd.conf');
    assert.equal(daemonConfigPath(false, { XDG_CONFIG_HOME: '/x' }), '/x/libvirt/tsvirtd.conf');
    assert.equal(daemonConfigPath(false, { HOME: '/home/u' }), '/home/u/.config/libvirt/tsvirtd.conf');
  });
});
