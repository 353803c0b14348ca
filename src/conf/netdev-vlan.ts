/**
 * `<vlan>` of networks and portgroups (libvirt's netdev_vlan_conf.c):
 * virNetDevVlanParse's checks and virNetDevVlanFormat's output.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { XmlElement } from '../util/xml.js';
import { childrenNamed, parseULL, prop } from './node-conf-util.js';

/** virNativeVlanMode, in libvirt's order. */
const NATIVE_MODES = ['default', 'tagged', 'untagged'];

export interface NetDevVlan {
  tags: number[];
  trunk: boolean;
  /** 0 (none), 1 tagged or 2 untagged. */
  nativeMode: number;
  nativeTag: number;
}

function xmlErr(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.NONE, msg);
}

/** The attribute errors of virXMLProp* (reported from the XML code). */
function propErr(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, msg);
}

/** virNetDevVlanParse. */
export function parseVlan(el: XmlElement): NetDevVlan {
  const tagNodes = childrenNamed(el, 'tag');
  if (tagNodes.length === 0) throw xmlErr("missing tag id - each <vlan> must have at least one <tag id='n'/> subelement");
  const vlan: NetDevVlan = { tags: [], trunk: false, nativeMode: 0, nativeTag: 0 };
  for (const t of tagNodes) {
    // virXMLPropUInt(VIR_XML_PROP_REQUIRED) and virXMLPropEnum(VIR_XML_PROP_NONZERO)
    const idStr = prop(t, 'id');
    if (idStr === undefined) throw propErr("Missing required attribute 'id' in element 'tag'");
    const id = parseULL(idStr);
    if (id === null || id > 0xffffffffn) {
      throw propErr(`Invalid value for attribute 'id' in element 'tag': '${idStr}'. Expected non-negative integer value`);
    }
    if (id > 4095n) throw xmlErr(`vlan tag id ${id} too large (maximum 4095)`);
    const mode = prop(t, 'nativeMode');
    if (mode !== undefined) {
      const m = NATIVE_MODES.indexOf(mode);
      if (m <= 0) throw propErr(`Invalid value for attribute 'nativeMode' in element 'tag': '${mode}'.`);
      if (vlan.nativeMode !== 0) throw xmlErr('duplicate native vlan setting');
      vlan.nativeMode = m;
      vlan.nativeTag = Number(id);
    }
    vlan.tags.push(Number(id));
  }
  if (vlan.tags.length > 1) vlan.trunk = true;
  const trunk = prop(el, 'trunk');
  if (trunk !== undefined) {
    vlan.trunk = trunk.toLowerCase() === 'yes';
    if (!vlan.trunk) {
      if (vlan.tags.length > 1) {
        throw xmlErr(`invalid "trunk='${trunk}'" in <vlan> - trunk='yes' is required for more than one vlan tag`);
      }
      if (vlan.nativeMode !== 0) {
        throw xmlErr(`invalid configuration in <vlan> - "trunk='no'" is not allowed with a native vlan id`);
      }
      if (trunk.toLowerCase() !== 'no') throw xmlErr(`invalid "trunk='${trunk}'" in <vlan> - must be yes or no`);
    }
  }
  return vlan;
}

/** virNetDevVlanFormat, indented by `pad`. */
export function formatVlan(vlan: NetDevVlan | undefined, pad: string): string {
  if (!vlan || vlan.tags.length === 0) return '';
  let s = `${pad}<vlan${vlan.trunk ? " trunk='yes'" : ''}>\n`;
  for (const id of vlan.tags) {
    s += vlan.nativeMode !== 0 && vlan.nativeTag === id
      ? `${pad}  <tag id='${id}' nativeMode='${NATIVE_MODES[vlan.nativeMode]}'/>\n`
      : `${pad}  <tag id='${id}'/>\n`;
  }
  return s + `${pad}</vlan>\n`;
}
