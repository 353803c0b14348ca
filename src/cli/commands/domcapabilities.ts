/**
 * virsh's `domcapabilities` (tools/virsh-host.c cmdDomCapabilities): the
 * hypervisor's domain capabilities XML for an emulator, arch, machine and
 * virt type.
 */
import type { CmdDef, ParsedCommand } from '../command.js';
import type { Shell } from '../shell.js';

async function cmdDomCapabilities(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const values: Array<string | null> = [];
  for (const name of ['virttype', 'emulatorbin', 'arch', 'machine']) {
    const v = cmd.string(ctl, name);
    if (v === null) return false;
    values.push(v ?? null);
  }
  const [virttype, emulatorbin, arch, machine] = values as [string | null, string | null, string | null, string | null];
  try {
    const caps = await ctl.c.getDomainCapabilities(emulatorbin, arch, machine, virttype, 0);
    ctl.print(`${caps}\n`);
    return true;
  } catch (e) {
    ctl.saveError(e);
    ctl.error('failed to get emulator capabilities');
    return false;
  }
}

export const domCapabilitiesCommands: CmdDef[] = [{
  name: 'domcapabilities',
  help: 'domain capabilities',
  desc: 'Returns capabilities of emulator with respect to host and libvirt.',
  options: [
    { name: 'virttype', type: 'string', help: 'virtualization type (/domain/@type)' },
    { name: 'emulatorbin', type: 'string', help: 'path to emulator binary (/domain/devices/emulator)' },
    { name: 'arch', type: 'string', help: 'domain architecture (/domain/os/type/@arch)' },
    { name: 'machine', type: 'string', help: 'machine type (/domain/os/type/@machine)' },
  ],
  run: cmdDomCapabilities,
}];
