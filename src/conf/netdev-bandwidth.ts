/**
 * `<bandwidth>` of networks and portgroups (libvirt's
 * netdev_bandwidth_conf.c): virNetDevBandwidthParse's checks and
 * virNetDevBandwidthFormat's output.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import type { XmlElement } from '../util/xml.js';
import { parseULL, prop } from './node-conf-util.js';

export interface BandwidthRate { average: bigint; peak: bigint; floor: bigint; burst: bigint }
export interface NetDevBandwidth { in?: BandwidthRate | undefined; out?: BandwidthRate | undefined }

function detail(msg: string): VirtError {
  return VirtError.report(ErrorCode.XML_DETAIL, ErrorDomain.NONE, msg);
}

function unsupported(msg: string): VirtError {
  return VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, ErrorDomain.NONE, msg);
}

/** virNetDevBandwidthParseRate. */
function parseRate(el: XmlElement, allowFloor: boolean): BandwidthRate {
  const num = (what: string, v: string): bigint => {
    const n = parseULL(v);
    if (n === null) throw unsupported(`could not convert bandwidth ${what} value '${v}'`);
    return n;
  };
  const average = prop(el, 'average');
  const peak = prop(el, 'peak');
  const burst = prop(el, 'burst');
  const floor = prop(el, 'floor');
  const rate: BandwidthRate = { average: 0n, peak: 0n, floor: 0n, burst: 0n };
  if (average !== undefined) rate.average = num('average', average);
  else if (floor === undefined) throw detail('Missing mandatory average or floor attributes');
  if ((peak !== undefined || burst !== undefined) && average === undefined) {
    throw detail("'peak' and 'burst' require 'average' attribute");
  }
  if (peak !== undefined) rate.peak = num('peak', peak);
  if (burst !== undefined) rate.burst = num('burst', burst);
  if (floor !== undefined) {
    if (!allowFloor) throw unsupported('floor attribute is not supported for this config');
    rate.floor = num('floor', floor);
  }
  return rate;
}

/** virNetDevBandwidthParse (no classID in these contexts); undefined when it has neither direction. */
export function parseBandwidth(el: XmlElement, allowFloor = false): NetDevBandwidth | undefined {
  if (prop(el, 'classID') !== undefined) {
    throw detail('classID attribute not supported on <bandwidth> in this usage context');
  }
  let inbound: XmlElement | undefined;
  let outbound: XmlElement | undefined;
  for (const c of el.children) {
    if (c.name === 'inbound') {
      if (inbound) throw detail('Only one child <inbound> element allowed');
      inbound = c;
    } else if (c.name === 'outbound') {
      if (outbound) throw detail('Only one child <outbound> element allowed');
      outbound = c;
    }
  }
  const bw: NetDevBandwidth = {};
  if (inbound) bw.in = parseRate(inbound, allowFloor);
  if (outbound) {
    bw.out = parseRate(outbound, false);
    if (bw.out.floor) throw detail("'floor' attribute allowed only in <inbound> element");
  }
  return bw.in || bw.out ? bw : undefined;
}

function formatRate(rate: BandwidthRate | undefined, tag: string, pad: string): string {
  if (!rate || !(rate.average || rate.floor)) return '';
  let s = `${pad}<${tag}`;
  if (rate.average) s += ` average='${rate.average}'`;
  if (rate.peak) s += ` peak='${rate.peak}'`;
  if (rate.floor) s += ` floor='${rate.floor}'`;
  if (rate.burst) s += ` burst='${rate.burst}'`;
  return s + '/>\n';
}

/** virNetDevBandwidthFormat, indented by `pad`. */
export function formatBandwidth(bw: NetDevBandwidth | undefined, pad: string): string {
  if (!bw) return '';
  return `${pad}<bandwidth>\n${formatRate(bw.in, 'inbound', pad + '  ')}${formatRate(bw.out, 'outbound', pad + '  ')}${pad}</bandwidth>\n`;
}
