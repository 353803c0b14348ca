import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ErrorDomain } from '../errors.js';
import { translateLegacyRemote } from './legacy-remote.js';
import { parseURI } from './parse-uri.js';

/** Runs the translation with a collecting warning sink. */
function translate(text: string): { uri: string | null; warnings: string[] } {
  const warnings: string[] = [];
  const uri = translateLegacyRemote(text, (m) => warnings.push(m));
  return { uri, warnings };
}

describe('seed 002 examples, verbatim', () => {
  test('"remote:unix:/var/run/libvirtd/socket"', () => {
    assert.deepEqual(translate('remote:unix:/var/run/libvirtd/socket'),
      { uri: 'remote+unix:///?socket=/var/run/libvirtd/socket', warnings: [] });
  });

  test('"remote:tls:myxenserver"', () => {
    assert.deepEqual(translate('remote:tls:myxenserver'),
      { uri: 'remote+tls://myxenserver/', warnings: [] });
  });

  test('"remote:ssh:myserver name=qemud"', () => {
    assert.deepEqual(translate('remote:ssh:myserver name=qemud'),
      { uri: 'remote+ssh://myserver/?name=qemud', warnings: [] });
  });

  test('"remote:ssh:myserver command=/opt/openssh/bin/ssh"', () => {
    assert.deepEqual(translate('remote:ssh:myserver command=/opt/openssh/bin/ssh'),
      { uri: 'remote+ssh://myserver/?command=/opt/openssh/bin/ssh', warnings: [] });
  });

  test('"remote:/var/run/libvirtd/socket" connect to Unix domain socket', () => {
    assert.equal(translate('remote:/var/run/libvirtd/socket').uri,
      'remote+unix:///?socket=/var/run/libvirtd/socket');
  });

  test('"remote://server" connect to TLS socket on server', () => {
    assert.equal(translate('remote://server').uri, 'remote+tls://server/');
  });

  test('"remote://server:9000" connect to TLS server port 9000', () => {
    assert.equal(translate('remote://server:9000').uri, 'remote+tls://server:9000/');
  });
});

describe('translateLegacyRemote', () => {
  test('name=<URI> is passed as ?name=, readable', () => {
    const { uri } = translate('remote:ssh:myserver name=qemu:///system');
    assert.equal(uri, 'remote+ssh://myserver/?name=qemu:///system');
    const parsed = parseURI(uri!);
    assert.deepEqual(parsed.params, [{ name: 'name', value: 'qemu:///system' }]);
    assert.equal(parsed.transport, 'ssh');
    assert.equal(parsed.server, 'myserver');
  });

  test('each protocol, with ports', () => {
    assert.equal(translate('remote:tcp:host:16509').uri, 'remote+tcp://host:16509/');
    assert.equal(translate('remote:tls:host:16514').uri, 'remote+tls://host:16514/');
    assert.equal(translate('remote:ssh:root@host:2222').uri, 'remote+ssh://root@host:2222/');
    assert.equal(translate('remote:ext:/usr/bin/my-tunnel').uri, 'remote+ext:///?command=/usr/bin/my-tunnel');
    assert.equal(translate('remote:tcp:[::1]:16509').uri, 'remote+tcp://[::1]:16509/');
  });

  test('default ports are not added', () => {
    assert.equal(translate('remote:tls:h').uri, 'remote+tls://h/');
    assert.equal(translate('remote:tcp:h').uri, 'remote+tcp://h/');
  });

  test('protocol and prefix are matched case-insensitively', () => {
    assert.equal(translate('REMOTE:SSH:h').uri, 'remote+ssh://h/');
  });

  test('values: + is a space, %2b a plus, %25 a percent', () => {
    const { uri } = translate('remote:ssh:h command=/opt/my+ssh%2bx%25y');
    assert.equal(uri, 'remote+ssh://h/?command=/opt/my%20ssh+x%25y');
    assert.equal(parseURI(uri!).params[0]!.value, '/opt/my ssh+x%y');
  });

  test('values holding & ; # = survive the round trip', () => {
    const { uri } = translate('remote:tls:h name=test:///default%3Fa%3D1%26b%3B2%23f');
    assert.deepEqual(parseURI(uri!).params, [{ name: 'name', value: 'test:///default?a=1&b;2#f' }]);
  });

  test('modern remote parameters are kept, in order', () => {
    const { uri, warnings } = translate('remote:ssh:h keyfile=/k no_verify=1 name=qemu:///session');
    assert.equal(uri, 'remote+ssh://h/?keyfile=/k&no_verify=1&name=qemu:///session');
    assert.deepEqual(warnings, []);
  });

  test('unknown variables are dropped with a warning', () => {
    const { uri, warnings } = translate('remote:tls:h frobnicate=1 name=xen:/// bogus');
    assert.equal(uri, 'remote+tls://h/?name=xen:///');
    assert.deepEqual(warnings, [
      "warning: ignoring unknown variable 'frobnicate=1' in legacy remote URI 'remote:tls:h frobnicate=1 name=xen:/// bogus'",
      "warning: ignoring unknown variable 'bogus' in legacy remote URI 'remote:tls:h frobnicate=1 name=xen:/// bogus'",
    ]);
  });

  test('a variable that repeats the path is ignored with a warning', () => {
    const { uri, warnings } = translate('remote:unix:/a socket=/b');
    assert.equal(uri, 'remote+unix:///?socket=/a');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /socket=\/b/);
  });

  test('the warning goes to stderr by default', (t) => {
    const writes: string[] = [];
    t.mock.method(process.stderr, 'write', (chunk: string) => { writes.push(chunk); return true; });
    translateLegacyRemote('remote:tls:h what=ever');
    assert.deepEqual(writes, ["warning: ignoring unknown variable 'what=ever' in legacy remote URI 'remote:tls:h what=ever'\n"]);
  });

  test('blanks between variables may be tabs or repeated', () => {
    assert.equal(translate('remote:ssh:h \t name=a   command=b').uri, 'remote+ssh://h/?name=a&command=b');
  });

  for (const modern of [
    'remote:///', 'remote://host/', 'remote://host/?pkipath=/p', 'remote+ssh://h/',
    'qemu:///system', 'remote:foo', 'remote:', 'remoteX:tls:h', 'test:///default',
  ]) {
    test(`leaves ${JSON.stringify(modern)} alone`, () => {
      assert.deepEqual(translate(modern), { uri: null, warnings: [] });
    });
  }

  for (const bad of ['remote:tls:h/x', 'remote:ssh://h', 'remote:tcp:h:port', 'remote:unix:', 'remote:ext:']) {
    test(`rejects malformed ${JSON.stringify(bad)}`, () => {
      assert.throws(() => translate(bad), {
        code: ErrorCode.INVALID_ARG, domain: ErrorDomain.REMOTE,
        message: `invalid argument: malformed legacy remote URI '${bad}'`,
      });
    });
  }
});
