/**
 * CPU definitions as libvirt prints them (src/conf/cpu_conf.c
 * virCPUDefFormatBuf): the host CPU of `capabilities` and the host-model
 * CPU of `domcapabilities`.
 */

/** A CPU feature with libvirt's policy (host CPUs have none). */
export interface CpuFeature {
  readonly name: string;
  readonly policy?: 'force' | 'require' | 'optional' | 'disable' | 'forbid';
}

/** The parts of a virCPUDef tsvirt prints. */
export interface HostCpuModel {
  readonly model?: string;
  /** `fallback='forbid'` on the host-model CPU of domcapabilities. */
  readonly fallback?: 'allow' | 'forbid';
  readonly vendor?: string;
  readonly signature?: { family: number; model: number; stepping: number };
  readonly microcode?: number;
  readonly topology?: { sockets: number; dies: number; cores: number; threads: number };
  readonly maxPhysAddr?: { mode: 'emulate' | 'passthrough'; bits?: number };
  readonly features: readonly CpuFeature[];
}

/**
 * The model/vendor/…/feature lines of a CPU definition (the body
 * virCPUDefFormatBuf writes), each line prefixed with `indent`.
 */
export function formatCpuModelFeatures(cpu: HostCpuModel, indent: string): string {
  let s = '';
  if (cpu.model !== undefined) {
    s += `${indent}<model${cpu.fallback ? ` fallback='${cpu.fallback}'` : ''}>${cpu.model}</model>\n`;
  }
  if (cpu.vendor !== undefined) s += `${indent}<vendor>${cpu.vendor}</vendor>\n`;
  if (cpu.signature) {
    s += `${indent}<signature family='${cpu.signature.family}' model='${cpu.signature.model}' stepping='${cpu.signature.stepping}'/>\n`;
  }
  if (cpu.microcode !== undefined) s += `${indent}<microcode version='${cpu.microcode}'/>\n`;
  if (cpu.topology) {
    const t = cpu.topology;
    s += `${indent}<topology sockets='${t.sockets}' dies='${t.dies}' cores='${t.cores}' threads='${t.threads}'/>\n`;
  }
  if (cpu.maxPhysAddr) {
    s += `${indent}<maxphysaddr mode='${cpu.maxPhysAddr.mode}'${cpu.maxPhysAddr.bits !== undefined ? ` bits='${cpu.maxPhysAddr.bits}'` : ''}/>\n`;
  }
  for (const f of cpu.features) {
    s += f.policy ? `${indent}<feature policy='${f.policy}' name='${f.name}'/>\n` : `${indent}<feature name='${f.name}'/>\n`;
  }
  return s;
}
