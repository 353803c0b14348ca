/**
 * Character devices of a running QEMU domain beyond the console:
 * virDomainOpenChannel (qemu_driver.c qemuDomainOpenChannel), the live
 * sources libvirt fills in at start (qemuProcessPrepareDomainChardevSource:
 * a unix virtio channel without a path gets `<channelTargetDir>/<name>`,
 * mode bind), and the guest-side state of virtio channels
 * (qemuProcessRefreshChannelVirtioState at start from query-chardev's
 * `frontend-open`, then VSERPORT_CHANGE events), shown as
 * `<target … state='connected|disconnected'/>` in the live XML.
 * Reference: qemu-driver.md §3.3, §4.2, §4.4.
 */
import type { DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, node, setAttr, type XNode } from '../../conf/domain-xml.js';
import { aliasOf, devicesOf } from './domain-defaults.js';
import { ChannelFlags } from './console.js';
import type { QemuDomainObj } from './domain-obj.js';
import type { QemuState } from './driver.js';

const QEMU = ErrorDomain.QEMU;

/** qemuDomainPrepareChannel: unix virtio channels without a path get one in the domain's channel dir. */
export function prepareChannelSources(def: DomainDef, channelTargetDir: string): void {
  for (const c of devicesOf(def, 'channel')) {
    if (getAttr(c, 'type') !== 'unix') continue;
    const t = kid(c, 'target');
    const name = getAttr(t, 'name');
    if (getAttr(t, 'type') !== 'virtio' || name === undefined) continue;
    let src = kid(c, 'source');
    if (getAttr(src, 'path') !== undefined) continue;
    if (!src) {
      src = node('source');
      c.children.unshift(src);
    }
    setAttr(src, 'mode', 'bind');
    setAttr(src, 'path', `${channelTargetDir}/${name}`);
  }
}

/** One entry of query-chardev. */
export interface ChardevInfo { label: string; filename: string; 'frontend-open'?: boolean }

/** qemuProcessRefreshChannelVirtioState: each virtio channel's guest side, from query-chardev. */
export function refreshChannelStates(def: DomainDef, info: readonly ChardevInfo[]): void {
  const open = new Map(info.map((c) => [c.label, c['frontend-open']]));
  for (const c of devicesOf(def, 'channel')) {
    const t = kid(c, 'target');
    if (getAttr(t, 'type') !== 'virtio') continue;
    const o = open.get(`char${aliasOf(c)}`);
    if (o === undefined) continue;
    setAttr(t!, 'state', o ? 'connected' : 'disconnected');
  }
}

/** qemuProcessHandleSerialChanged (VSERPORT_CHANGE {id: alias, open}): true if a channel changed. */
export function serialChanged(def: DomainDef, data: Record<string, unknown>): boolean {
  const id = String(data['id'] ?? '');
  const c = devicesOf(def, 'channel').find((n) => aliasOf(n) === id);
  const t = kid(c, 'target');
  if (!c || getAttr(t, 'type') !== 'virtio') return false;
  setAttr(t!, 'state', data['open'] === true ? 'connected' : 'disconnected');
  return true;
}

/** The channel `name` names (an alias, or a virtio target name), or the first one. */
function findChannel(vm: QemuDomainObj, name: string | null): XNode | undefined {
  const list = devicesOf(vm.def, 'channel');
  if (name === null) return list[0];
  return list.find((c) => aliasOf(c) === name
    || (getAttr(kid(c, 'target'), 'type') === 'virtio' && getAttr(kid(c, 'target'), 'name') === name));
}

/** The channel methods of a QEMU connection. */
export function chardevMethods(s: QemuState): Partial<DriverConnection> {
  return {
    async domainOpenChannel({ dom, name, flags }, stream) {
      checkFlags(flags, ChannelFlags.FORCE, 'qemuDomainOpenChannel', QEMU);
      const vm = s.lookup(dom);
      if (!vm.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, 'domain is not running');
      const chr = findChannel(vm, name);
      if (!chr) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, `cannot find channel ${name ?? '<null>'}`);
      const path = getAttr(kid(chr, 'source'), 'path');
      if (getAttr(chr, 'type') !== 'unix' || path === undefined) {
        throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU,
          `channel ${name ?? (aliasOf(chr) || '<null>')} is not using a UNIX socket`);
      }
      stream.attach(await s.consoles.openUnix(path, (flags & ChannelFlags.FORCE) !== 0, 'channel'));
    },
  };
}
