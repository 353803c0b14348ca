/**
 * Hypervisor-specific and native-format commands (tools/virsh-domain.c):
 * dom-fd-associate, domxml-from-native, domxml-to-native,
 * qemu-agent-command, qemu-attach, qemu-monitor-command and
 * lxc-enter-namespace.
 */
import {
  domainFDAssociate, lxcOpenNamespace, qemuAgentCommand, qemuAttach, qemuMonitorCommand,
} from '../../api/domain-hyper.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { DOMAIN_OPT, type CmdDef, type ParsedCommand } from '../command.js';
import { optDomain } from '../lookup.js';
import { FAIL, type Shell } from '../shell.js';
import { readFileAll } from '../util.js';
import { exclusive, passFds } from './domain.js';

/** virDomainFDAssociateFlags. */
const FdAssociate = { SECLABEL_RESTORE: 1, SECLABEL_WRITABLE: 2 } as const;
/** VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP. */
const MONITOR_HMP = 1;
/** virDomainQemuAgentCommandTimeoutValues. */
const AgentTimeout = { BLOCK: -2, DEFAULT: -1, NOWAIT: 0 } as const;

async function cmdDomFdAssociate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const name = cmd.string(ctl, 'name');
  if (name == null) return false;
  const fds = passFds(ctl, cmd);
  if (!fds) return false;
  let flags = 0;
  if (cmd.bool('seclabel-writable')) flags |= FdAssociate.SECLABEL_WRITABLE;
  if (cmd.bool('seclabel-restore')) flags |= FdAssociate.SECLABEL_RESTORE;
  return await ctl.attempt(domainFDAssociate(dom, name, fds, flags)) !== FAIL;
}

async function cmdDomXMLFromNative(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const format = cmd.string(ctl, 'format');
  if (format == null) return false;
  const file = cmd.string(ctl, 'config');
  if (file == null) return false;
  const config = readFileAll(ctl, file);
  if (config === null) return false;
  const got = await ctl.attempt(ctl.c.call('connectDomainXMLFromNative',
    { nativeFormat: format, nativeConfig: config, flags: 0 }));
  if (got === FAIL) return false;
  ctl.print(got.domainXml);
  return true;
}

async function cmdDomXMLToNative(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const format = cmd.string(ctl, 'format');
  if (format == null) return false;
  const xmlFile = cmd.string(ctl, 'xml');
  if (xmlFile === null) return false;
  if (!exclusive(ctl, 'domain', cmd.bool('domain'), 'xml', cmd.bool('xml'))) return false;
  let xml: string | null | typeof FAIL;
  if (cmd.bool('domain')) {
    const r = await optDomain(ctl, cmd);
    if (!r) return false;
    using dom = r.dom;
    xml = await ctl.attempt(dom.getXMLDesc(0));
  } else if (xmlFile !== undefined) {
    xml = readFileAll(ctl, xmlFile);
    if (xml === null) return false;
  } else {
    ctl.error('need either domain or domain XML');
    return false;
  }
  if (xml === FAIL) {
    ctl.error('failed to retrieve XML');
    return false;
  }
  const got = await ctl.attempt(ctl.c.call('connectDomainXMLToNative', { nativeFormat: format, domainXml: xml, flags: 0 }));
  if (got === FAIL) return false;
  ctl.print(got.nativeConfig);
  return true;
}

/** The argv words joined by blanks (cmdQemuMonitorCommandConcatCmd). */
function joinArgv(words: readonly string[]): string | null {
  return words.length === 0 ? null : words.join(' ');
}

/** virJSONValueFromString: the parsed value, or the error libvirt keeps. */
function parseJSON(text: string): { value: unknown } | { error: VirtError } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return {
      error: VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE,
        `cannot parse json ${text}: ${(e as Error).message}`),
    };
  }
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * cmdQemuMonitorCommandQMPWrap: a JSON command passes through; otherwise
 * the first word is the command and the rest its arguments (an object,
 * or `key:value` pairs that become one), wrapped as
 * {"execute":…,"arguments":…}. Null after an error. Only the last parse
 * error is kept for the report; libvirt's text for it is yajl's, which
 * JSON.parse does not give.
 */
function qmpWrap(ctl: Shell, words: readonly string[]): string | null {
  const full = words.join(' ');
  const whole = parseJSON(full);
  if ('value' in whole) return full;
  const name = words[0] ?? '';
  const args = joinArgv(words.slice(1));
  let argsValue: unknown;
  if (args !== null) {
    const parsed = parseJSON(args);
    if ('value' in parsed && isObject(parsed.value)) {
      argsValue = parsed.value;
    } else {
      const obj = parseJSON(`{${args}}`);
      if ('error' in obj) {
        ctl.saveError(obj.error);
        ctl.error(`failed to wrap arguments '${args}' into a QMP command wrapper`);
        return null;
      }
      argsValue = obj.value;
    }
  }
  const command: Record<string, unknown> = { execute: name };
  if (argsValue !== undefined) command['arguments'] = argsValue;
  return JSON.stringify(command);
}

async function cmdQemuMonitorCommand(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const hmp = cmd.bool('hmp');
  if (!exclusive(ctl, 'hmp', hmp, 'pretty', cmd.bool('pretty'))) return false;
  if (!exclusive(ctl, 'hmp', hmp, 'return-value', cmd.bool('return-value'))) return false;
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const words = cmd.argv();
  const monitorCmd = hmp ? joinArgv(words) : qmpWrap(ctl, words);
  if (monitorCmd === null) return false;
  const fds = passFds(ctl, cmd);
  if (!fds) return false;
  const result = await ctl.attempt(qemuMonitorCommand(dom, monitorCmd, fds.length > 0, hmp ? MONITOR_HMP : 0));
  if (result === FAIL) return false;
  ctl.print(`${result}\n`);
  return true;
}

async function cmdQemuAgentCommand(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  const agentCmd = cmd.argv().join(' ');
  let timeout: number = AgentTimeout.DEFAULT;
  let chosen = 0;
  const t = cmd.int(ctl, 'timeout');
  if (t === null) return false;
  if (t !== undefined) {
    if (t < 1) {
      ctl.error('timeout must be positive');
      return false;
    }
    timeout = t;
    chosen++;
  }
  if (cmd.bool('async')) {
    timeout = AgentTimeout.NOWAIT;
    chosen++;
  }
  if (cmd.bool('block')) {
    timeout = AgentTimeout.BLOCK;
    chosen++;
  }
  if (chosen > 1) {
    ctl.error('timeout, async and block options are exclusive');
    return false;
  }
  const result = await ctl.attempt(qemuAgentCommand(dom, agentCmd, timeout, 0));
  if (result === FAIL) return false;
  ctl.print(`${cmd.bool('pretty') ? JSON.stringify(JSON.parse(result), null, 2) : result}\n`);
  return true;
}

async function cmdQemuAttach(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const pid = cmd.uint(ctl, 'pid');
  if (pid == null) return false;
  const dom = await ctl.attempt(qemuAttach(ctl.c, pid, 0));
  if (dom === FAIL) {
    ctl.error(`Failed to attach to pid ${pid}`);
    return false;
  }
  using d = dom;
  ctl.printExtra(`Domain '${d.getName()}' attached to pid ${pid}\n`);
  return true;
}

async function cmdLxcEnterNamespace(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const r = await optDomain(ctl, cmd);
  if (!r) return false;
  using dom = r.dom;
  // Running the command inside the namespaces needs the container's descriptors first.
  return await ctl.attempt(lxcOpenNamespace(dom, 0)) !== FAIL;
}

/** The hypervisor-specific commands of the "Domain Management" group. */
export const domainHyperCommands: CmdDef[] = [
  {
    name: 'dom-fd-associate',
    help: 'associate a FD with a domain',
    desc: 'associate a FD with a domain',
    options: [
      DOMAIN_OPT,
      { name: 'name', type: 'data', help: 'name of the FD group', required: true },
      { name: 'pass-fds', type: 'data', help: 'file descriptors N,M,... to associate', required: true },
      { name: 'seclabel-writable', type: 'bool', help: 'use seclabels allowing writes' },
      { name: 'seclabel-restore', type: 'bool', help: 'try to restore security label after use if possible' },
    ],
    run: cmdDomFdAssociate,
  },
  {
    name: 'domxml-from-native',
    help: 'Convert native config to domain XML',
    desc: 'Convert native guest configuration format to domain XML format.',
    options: [
      { name: 'format', type: 'data', help: 'source config data format', required: true },
      { name: 'config', type: 'data', help: 'config data file to import from', required: true },
    ],
    run: cmdDomXMLFromNative,
  },
  {
    name: 'domxml-to-native',
    help: 'Convert domain XML to native config',
    desc: 'Convert domain XML config to a native guest configuration format.',
    options: [
      { name: 'format', type: 'data', help: 'target config data type format', required: true },
      { name: 'domain', type: 'string', help: 'domain name, id or uuid', reqOpt: true },
      { name: 'xml', type: 'string', help: 'xml data file to export from' },
    ],
    run: cmdDomXMLToNative,
  },
  {
    name: 'qemu-agent-command',
    help: 'QEMU Guest Agent Command',
    desc: 'Run an arbitrary qemu guest agent command; use at your own risk',
    options: [
      DOMAIN_OPT,
      { name: 'timeout', type: 'int', help: 'timeout seconds. must be positive.', reqOpt: true },
      { name: 'async', type: 'bool', help: 'execute command without waiting for timeout' },
      { name: 'block', type: 'bool', help: 'execute command without timeout' },
      { name: 'pretty', type: 'bool', help: 'pretty-print the output' },
      { name: 'cmd', type: 'argv', help: 'command', required: true },
    ],
    run: cmdQemuAgentCommand,
  },
  {
    name: 'qemu-attach',
    help: 'QEMU Attach',
    desc: 'QEMU Attach',
    options: [
      { name: 'pid', type: 'data', help: 'pid', required: true },
    ],
    run: cmdQemuAttach,
  },
  {
    name: 'qemu-monitor-command',
    help: 'QEMU Monitor Command',
    desc: 'QEMU Monitor Command',
    options: [
      DOMAIN_OPT,
      { name: 'hmp', type: 'bool', help: 'command is in human monitor protocol' },
      { name: 'pretty', type: 'bool', help: 'pretty-print any qemu monitor protocol output' },
      { name: 'return-value', type: 'bool', help: 'extract the value of the \'return\' key from the returned string' },
      { name: 'pass-fds', type: 'string', help: 'pass file descriptors N,M,... along with the command', reqOpt: true },
      { name: 'cmd', type: 'argv', help: 'command', required: true },
    ],
    run: cmdQemuMonitorCommand,
  },
  {
    name: 'lxc-enter-namespace',
    help: 'LXC Guest Enter Namespace',
    desc: 'Run an arbitrary command in a lxc guest namespace; use at your own risk',
    options: [
      DOMAIN_OPT,
      { name: 'noseclabel', type: 'bool', help: 'Do not change process security label' },
      { name: 'cmd', type: 'argv', help: 'command to run', required: true },
    ],
    run: cmdLxcEnterNamespace,
  },
];
