/**
 * qemuProcessUpdateGuestCPU for x86: once QEMU runs, the live `<cpu>` says
 * what the guest really got. libvirt lists the first vCPU's QOM properties,
 * reads every boolean one (a CPU feature by QEMU's name, ~400 on TCG), and
 * virCPUx86UpdateLive then adds, in CPU-map order, `require` for a feature
 * QEMU enabled beyond the model's and `disable` for a model feature QEMU
 * turned off; the check becomes `full`. For qemu64 under TCG that is
 * `hypervisor` and `lahf_lm`.
 */
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, kids, node, setAttr } from '../../conf/domain-xml.js';
import { featureFromQemu, loadCpuMap, modelFeatureNames, type X86Map } from '../../cpu/x86.js';
import type { QmpClient } from './qmp.js';

let cpuMap: X86Map | undefined | null = null;

function map(): X86Map | undefined {
  if (cpuMap === null) cpuMap = loadCpuMap();
  return cpuMap;
}

/**
 * Updates `def`'s custom-mode `<cpu>` from vCPU 0 at `qomPath`. Does nothing
 * for other CPU modes, without a model, or without libvirt's CPU map.
 */
export async function updateGuestCpu(mon: QmpClient, def: DomainDef, qomPath: string): Promise<void> {
  const cpu = def.misc.find((m) => m.name === 'cpu');
  const model = kid(cpu, 'model')?.text.trim();
  const m = map();
  if (!cpu || !m || !model || (getAttr(cpu, 'mode') ?? 'custom') !== 'custom') return;
  const props = await mon.execute<Array<{ name: string; type: string }>>('qom-list', { path: qomPath });
  const enabled = new Set<string>();
  const disabled = new Set<string>();
  for (const p of props) {
    if (p.type !== 'bool') continue;
    const on = await mon.execute<boolean>('qom-get', { path: qomPath, property: p.name });
    (on ? enabled : disabled).add(featureFromQemu(p.name));
  }
  const written = new Map(kids(cpu, 'feature').map((f) => [getAttr(f, 'name') ?? '', getAttr(f, 'policy') ?? 'require']));
  const expected = new Set(modelFeatureNames(m, model));
  for (const [name, policy] of written) {
    if (policy === 'disable' || policy === 'forbid') expected.delete(name);
    else expected.add(name);
  }
  for (const f of m.features) {
    if (written.has(f.name)) continue;
    let policy: string | undefined;
    if (enabled.has(f.name) && !expected.has(f.name)) policy = 'require';
    else if (disabled.has(f.name) && expected.has(f.name)) policy = 'disable';
    if (policy) cpu.children.push(node('feature', [['policy', policy], ['name', f.name]]));
  }
  setAttr(cpu, 'check', 'full');
}
