/**
 * tsvirsh against stock virsh: the commands that change a domain's
 * configuration (edit, devices, tuning, pinning, IOThreads, metadata, …).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const ro = (...args: string[]) => ['-r', '-c', 'test:///default', ...args];

/** Editors (and device files) the cases use; mkdtemp names keep to virsh's accepted characters. */
const DIR = mkdtempSync(join(tmpdir(), 'tsvirsh-domcfg-'));
process.on('exit', () => rmSync(DIR, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(DIR, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function file(name: string, text: string): string {
  const path = join(DIR, name);
  writeFileSync(path, text);
  return path;
}

/** An editor that gives the domain 3 vCPUs. */
const VCPU3 = script('vcpu3.sh', `sed -i 's|>2</vcpu>|>3</vcpu>|' "$1"`);
/** An editor that breaks the document's root element (the define fails). */
const BREAK = script('break.sh', `sed -i 's|<domain |<dom |; s|</domain>|</dom>|' "$1"`);
/** An editor that renames the domain (a new domain is defined). */
const RENAME = script('rename.sh', `sed -i 's|<name>test</name>|<name>test2</name>|; /<uuid>/d' "$1"`);
/** An editor that prints on stdout and stderr (they are virsh's own). */
const NOISY = script('noisy.sh', 'echo out; echo err >&2');

const EDIT_CASES: Case[] = [
  { name: 'help-edit', args: d('help edit') },
  { name: 'edit-unchanged', args: d('edit test'), env: { EDITOR: 'true' } },
  { name: 'edit-unchanged-quiet', args: ['-q', ...d('edit test')], env: { EDITOR: 'true' } },
  { name: 'edit-vcpus', args: d('edit test; dumpxml --inactive test; dominfo test'), env: { EDITOR: VCPU3 } },
  { name: 'edit-visual-wins', args: d('edit test; dumpxml --inactive test'), env: { VISUAL: VCPU3, EDITOR: 'false' } },
  { name: 'edit-through-shell', args: d('edit test; dominfo test'), env: { EDITOR: 'sed -i s/2097152/1048576/' } },
  { name: 'edit-skip-validate', args: d('edit --skip-validate test; dumpxml --inactive test'), env: { EDITOR: VCPU3 } },
  { name: 'edit-define-fails', args: d('edit test; dumpxml test'), env: { EDITOR: BREAK } },
  { name: 'edit-new-name', args: d('edit test; list --all --name'), env: { EDITOR: RENAME } },
  { name: 'edit-editor-output', args: d('edit test'), env: { EDITOR: NOISY } },
  { name: 'edit-no-editor', args: d('edit test'), env: { EDITOR: 'nonexistent-editor' } },
  { name: 'edit-no-editor-relative', args: d('edit test'), env: { EDITOR: './nonexistent-editor' } },
  { name: 'edit-no-domain', args: d('edit nosuch'), env: { EDITOR: 'true' } },
  { name: 'edit-no-arg', args: d('edit'), env: { EDITOR: 'true' } },
  { name: 'edit-readonly', args: ro('edit test'), env: { EDITOR: 'true' } },
];

void file;

diffCases('tsvirsh matches virsh: domain-config', [
  ...EDIT_CASES,
]);
