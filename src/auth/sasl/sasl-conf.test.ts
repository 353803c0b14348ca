import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_SASLDB_PATH, parseSaslConf, saslConfDirs, SASL_CONF_DIRS, sasldbPathFor } from './sasl-conf.js';

describe('Cyrus SASL application config', () => {
  it('parses key: value lines, skips comments, keeps the first of a repeated key', () => {
    const m = parseSaslConf('# comment\nmech_list: plain  scram-sha-1 \n\nsasldb_path:/a\nsasldb_path: /b\nnot a line\n');
    assert.deepEqual([...m], [['mech_list', 'plain  scram-sha-1'], ['sasldb_path', '/a']]);
  });

  it('searches SASL_CONF_PATH, else the built-in directories, and takes the first APP.conf', async (t) => {
    assert.deepEqual(saslConfDirs({}), [...SASL_CONF_DIRS]);
    assert.deepEqual(saslConfDirs({ SASL_CONF_PATH: '/x::/y' }), ['/x', '/y']);
    const dir = await mkdtemp(join(tmpdir(), 'sasl-conf-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'a.conf'), 'sasldb_path: /from/a\n');
    await writeFile(join(dir, 'empty.conf'), 'sasldb_path:\n');
    const env = { SASL_CONF_PATH: `${join(dir, 'missing')}:${dir}` };
    assert.equal(await sasldbPathFor('a', env), '/from/a');
    assert.equal(await sasldbPathFor('empty', env), DEFAULT_SASLDB_PATH);
    assert.equal(await sasldbPathFor('none', env), DEFAULT_SASLDB_PATH);
  });
});
