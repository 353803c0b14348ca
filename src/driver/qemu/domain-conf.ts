/**
 * The QEMU driver's part of the domain XML model (qemu_domain.c
 * virQEMUDriverDomainDefParserConfig: qemuDomainDefPostParseBasic,
 * qemuDomainDefPostParse, qemuDomainDeviceDefPostParse, and qemu_validate.c
 * qemuValidateDomainDef), over the probed capabilities of the emulators.
 *
 * The full set of QEMU defaults (implicit controllers, PCI addresses, CPU,
 * inputs, audio…) comes with branch qemu-argv's domain-defaults.ts; this
 * option adds what the driver itself depends on: the emulator, the
 * canonical machine type and the virtio balloon.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { DomainDef } from '../../conf/domain-def.js';
import { getAttr, kid, node, setAttr } from '../../conf/domain-xml.js';
import type { DeviceContext, DomainXMLOption } from '../../conf/domain-xml-option.js';
import { findQemuBinary, hostArch, isKvmUsable, type QemuCaps } from './capabilities.js';
import { accelOf, canonicalMachine } from './domain-capabilities.js';
import { applyQemuDefaults } from './domain-defaults.js';

const QEMU = ErrorDomain.QEMU;

/** The QEMU namespace URI (`<qemu:commandline>`); parsed but not acted on yet. */
export const QEMU_NS_URI = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** Capabilities already loaded, by emulator path (the driver's cache). */
export type CapsLookup = (emulator: string) => QemuCaps | undefined;

function isX86(a: string): boolean { return a === 'x86_64' || a === 'i686'; }

/** virQEMUCapsGetPreferredMachine: the first machine of the accelerator (the default first). */
function preferredMachine(caps: QemuCaps, virtType: string): string | undefined {
  if (virtType === 'kvm' && caps.accel.kvm === undefined) return undefined;
  return accelOf(caps, virtType).machines[0]?.name;
}

/**
 * The QEMU driver's XML options. `caps` answers for emulators whose
 * capabilities the driver has loaded (it loads them before parsing);
 * `kvmUsable` is whether /dev/kvm can be used.
 */
export function qemuXMLOption(caps: CapsLookup, kvmUsable: () => boolean = () => isKvmUsable()): DomainXMLOption {
  const defaultEmulator = (arch: string) => findQemuBinary(arch);
  return {
    name: 'QEMU',
    defaultArch: () => hostArch(),
    defaultMachine(_osType, arch, virtType) {
      const emu = defaultEmulator(arch);
      const c = emu === undefined ? undefined : caps(emu);
      return c === undefined ? undefined : preferredMachine(c, virtType);
    },
    // qemuDomainDeviceVideoDefPostParse (9.0): cirrus on x86 unless the arch wants otherwise.
    videoDefaultModel(ctx: DeviceContext) {
      if (ctx.arch.startsWith('ppc64')) return 'vga';
      if (ctx.arch === 'aarch64' || ctx.arch.startsWith('riscv') || ctx.arch.startsWith('s390')) return 'virtio';
      return 'cirrus';
    },
    // qemuDomainChrDefPostParse: s390 consoles are sclp, the others serial.
    consoleDefaultTargetType: (ctx) => (ctx.arch.startsWith('s390') ? 'sclp' : 'serial'),
    postParse(def: DomainDef, ctx) {
      // qemuDomainDefPostParseBasic: the emulator for the arch.
      if (def.devices.emulator === undefined) {
        const emu = defaultEmulator(def.arch);
        if (emu === undefined) {
          throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU, `No emulator found for arch '${def.arch}'`);
        }
        def.devices.emulator = emu;
      }
      const c = caps(def.devices.emulator);
      const typeEl = kid(def.os, 'type');
      if (c !== undefined && typeEl) {
        // qemuDomainDefMachinePostParse: the preferred machine when none is
        // written, else the canonical name of an alias (pc → pc-i440fx-7.2).
        const written = getAttr(typeEl, 'machine');
        if (written === undefined) {
          const m = preferredMachine(c, def.virtType);
          if (m === undefined) {
            throw VirtError.report(ErrorCode.INVALID_ARG, QEMU,
              `could not get preferred machine for ${def.devices.emulator} type=${def.virtType}`);
          }
          setAttr(typeEl, 'machine', m);
        } else if (!ctx.status) {
          setAttr(typeEl, 'machine', canonicalMachine(c, def.virtType, written));
        }
      }
      // qemuDomainDefAddDefaultDevices: x86 guests get a virtio balloon
      // unless they say <memballoon model='none'/>.
      if (isX86(def.arch) && !def.devices.list.some((d) => d.kind === 'memballoon')) {
        def.devices.list.push({ kind: 'memballoon', node: node('memballoon', [['model', 'virtio']]) });
      }
      // The rest of qemuDomainDefPostParse (implicit controllers, the default CPU) and
      // qemuDomainAssignAddresses happen at define, as in libvirt; only aliases wait for a start.
      if (!ctx.status && def.arch === 'x86_64') {
        applyQemuDefaults(def, { writtenControllerTypes: ctx.writtenControllerTypes, aliases: false });
      }
    },
    validate(def: DomainDef) {
      const emu = def.devices.emulator!;
      const c = caps(emu);
      if (def.virtType !== 'qemu' && def.virtType !== 'kvm') {
        throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU,
          `Emulator '${emu}' does not support virt type '${def.virtType}'`);
      }
      // virQEMUCapsIsVirtTypeSupported: kvm only with a usable /dev/kvm (the
      // caps say kvm only when it was usable at probe time).
      if (def.virtType === 'kvm' && (!kvmUsable() || (c !== undefined && c.accel.kvm === undefined))) {
        // Without KVM the emulator has no kvm machine list: libvirt fails on
        // the machine lookup (observed with machine='pc' given, §2.1).
        throw VirtError.report(ErrorCode.INVALID_ARG, QEMU, `could not get preferred machine for ${emu} type=kvm`);
      }
      if (c !== undefined) {
        const m = getAttr(kid(def.os, 'type'), 'machine');
        if (m !== undefined && !accelOf(c, def.virtType).machines.some((x) => x.name === m)) {
          throw VirtError.report(ErrorCode.CONFIG_UNSUPPORTED, QEMU,
            `Emulator '${emu}' does not support machine type '${m}'`);
        }
      }
    },
  };
}
