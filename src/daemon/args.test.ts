/**
 * The expected texts and statuses were taken from libvirtd 9.0 (glibc
 * 2.36 getopt_long messages), with the program name changed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, usage, type ArgsResult, type DaemonArgs } from './args.js';

const parse = (...argv: string[]): ArgsResult => parseArgs(argv, { privileged: true });

function run(...argv: string[]): DaemonArgs {
  const r = parse(...argv);
  assert.equal(r.kind, 'run', JSON.stringify(r));
  return (r as { args: DaemonArgs }).args;
}

function exit(argv: string[], code: number, first: string, where: 'stdout' | 'stderr' = 'stderr'): void {
  const r = parse(...argv);
  assert.equal(r.kind, 'exit');
  if (r.kind !== 'exit') return;
  assert.equal(r.code, code);
  assert.equal(r[where].split('\n')[0], first);
}

describe('daemon args', () => {
  test('defaults', () => {
    assert.deepEqual(run(), { configFile: null, listen: false, pidFile: null, timeout: 0, daemon: false, verbose: false });
  });

  test('every option, short and long', () => {
    assert.deepEqual(run('-f', 'a.conf', '-l', '-p', 'x.pid', '-t', '120', '-d', '-v'),
      { configFile: 'a.conf', listen: true, pidFile: 'x.pid', timeout: 120, daemon: true, verbose: true });
    assert.deepEqual(run('--config', 'a.conf', '--listen', '--pid-file', 'x.pid', '--timeout', '120', '--daemon', '--verbose'),
      { configFile: 'a.conf', listen: true, pidFile: 'x.pid', timeout: 120, daemon: true, verbose: true });
  });

  test('--opt=value, -oVALUE, clusters and abbreviations', () => {
    assert.equal(run('--timeout=120').timeout, 120);
    assert.equal(run('-t120').timeout, 120);
    assert.equal(run('--time', '5').timeout, 5);
    assert.equal(run('--co=/x').configFile, '/x');
    assert.deepEqual(run('-vdl'), { ...run(), verbose: true, daemon: true, listen: true });
    assert.equal(run('-lf', 'c.conf').configFile, 'c.conf');
    assert.equal(run('-fc.conf').configFile, 'c.conf');
  });

  test('timeout values as virStrToLong_i with an end pointer reads them', () => {
    assert.equal(run('--timeout=5x').timeout, 5);
    assert.equal(run('-t+5').timeout, 5);
    assert.equal(run('-t', ' 0').timeout, 0);
    assert.equal(run('--timeout=2147483').timeout, 2147483);
    for (const bad of ['2147484', 'abc', '', '-1', 'x5']) {
      const r = parse(`--timeout=${bad}`);
      assert.deepEqual(r, { kind: 'exit', code: 1, stdout: '', stderr: '', logError: 'Invalid value for timeout' }, bad);
    }
    // -t takes the next word whatever it is.
    assert.equal((parse('-t', '-f', 'x') as { logError: string }).logError, 'Invalid value for timeout');
  });

  test('-V and -h act when met', () => {
    exit(['-V'], 0, 'tsvirtd (libvirt) 9.0.0', 'stdout');
    exit(['foo', '-V'], 0, 'tsvirtd (libvirt) 9.0.0', 'stdout');
    exit(['-V', '--bogus'], 0, 'tsvirtd (libvirt) 9.0.0', 'stdout');
    exit(['-Vh'], 0, 'tsvirtd (libvirt) 9.0.0', 'stdout');
    exit(['--he'], 0, '');
    const r = parse('-h');
    assert.equal(r.kind === 'exit' && r.stderr, usage('tsvirtd', { privileged: true }));
    assert.equal(r.kind === 'exit' && r.stdout, '');
  });

  test('glibc messages, followed by the usage, status 1', () => {
    exit(['--bogus'], 1, "tsvirtd: unrecognized option '--bogus'");
    exit(['--bogus', '-V'], 1, "tsvirtd: unrecognized option '--bogus'");
    exit(['foo', '--bogus'], 1, "tsvirtd: unrecognized option '--bogus'");
    exit(['-x'], 1, "tsvirtd: invalid option -- 'x'");
    exit(['-?'], 1, "tsvirtd: invalid option -- '?'");
    exit(['--timeout'], 1, "tsvirtd: option '--timeout' requires an argument");
    exit(['--ti'], 1, "tsvirtd: option '--timeout' requires an argument");
    exit(['-t'], 1, "tsvirtd: option requires an argument -- 't'");
    exit(['-vt'], 1, "tsvirtd: option requires an argument -- 't'");
    exit(['--config'], 1, "tsvirtd: option '--config' requires an argument");
    exit(['--listen=1'], 1, "tsvirtd: option '--listen' doesn't allow an argument");
    exit(['--help=x'], 1, "tsvirtd: option '--help' doesn't allow an argument");
    exit(['--v'], 1, "tsvirtd: option '--v' is ambiguous; possibilities: '--verbose' '--version'");
    exit(['--ver'], 1, "tsvirtd: option '--ver' is ambiguous; possibilities: '--verbose' '--version'");
    const r = parse('--bogus');
    assert.ok(r.kind === 'exit' && r.stderr.endsWith(usage('tsvirtd', { privileged: true })));
  });

  test('operands are an error, after all options were read', () => {
    const msg = 'tsvirtd: unexpected, non-option, command line arguments';
    exit(['extra'], 1, msg);
    exit(['-p'], 1, "tsvirtd: option requires an argument -- 'p'");
    exit(['-p', '-f', '/x'], 1, msg);
    exit(['--', 'foo'], 1, msg);
    exit(['-v', '--', '-V'], 1, msg);
    const r = parse('extra');
    assert.ok(r.kind === 'exit' && !r.stderr.includes('Usage'));
  });

  test("usage: libvirtd's layout, tsvirtd's paths", () => {
    const root = usage('tsvirtd', { privileged: true });
    assert.match(root, /^\nUsage:\n {2}tsvirtd \[options\]\n\nOptions:\n {2}-h \| --help {12}Display program help\n/);
    assert.match(root, / {2}-p \| --pid-file <file> Change name of PID file\n/);
    assert.match(root, /\/etc\/libvirt\/tsvirtd\.conf\n/);
    assert.match(root, /\/var\/run\/libvirt\/libvirt-sock\n {6}\/var\/run\/libvirt\/libvirt-sock-ro\n/);
    assert.match(root, /\/var\/run\/tsvirtd\.pid\n\n$/);
    const user = usage('tsvirtd', { privileged: false });
    assert.match(user, /\$XDG_CONFIG_HOME\/libvirt\/tsvirtd\.conf/);
    assert.match(user, /\$XDG_RUNTIME_DIR\/libvirt\/libvirt-sock\n\n/);
    assert.doesNotMatch(user, /sock-ro/);
    assert.match(user, /\$XDG_RUNTIME_DIR\/libvirt\/tsvirtd\.pid/);
  });
});
