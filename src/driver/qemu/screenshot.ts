/**
 * virDomainScreenshot for QEMU (qemu_driver.c qemuDomainScreenshot): QEMU
 * dumps the display into a temp file in the domain's lib dir
 * (`qemu.screendump.XXXXXX`), which is streamed back to the caller and
 * removed; PNG when QEMU's screendump takes a format (QEMU ≥ 7.1), else
 * PPM. Screen N > 0 names the video device whose heads hold it.
 * Reference: qemu-driver.md §3.2, §3.5.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, openSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DriverConnection } from '../driver.js';
import { bytesStreamDriver } from '../stream.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { getAttr, kid } from '../../conf/domain-xml.js';
import { hasFlag } from './capabilities.js';
import { aliasOf, devicesOf } from './domain-defaults.js';
import { QmpCommandError } from './qmp.js';
import type { QemuState } from './driver.js';

const QEMU = ErrorDomain.QEMU;

/** g_mkstemp's template filling: six characters of [A-Za-z0-9]. */
function tempName(prefix: string): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return prefix + [...randomBytes(6)].map((b) => abc[b % abc.length]).join('');
}

/** The screenshot method of a QEMU connection. */
export function screenshotMethods(s: QemuState): Partial<DriverConnection> {
  return {
    async domainScreenshot({ dom, screen, flags }, stream) {
      checkFlags(flags, 0, 'qemuDomainScreenshot', QEMU);
      const vm = s.lookup(dom);
      return vm.job(async () => {
        if (!vm.isActive || !vm.monitor || !vm.rt) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, 'domain is not running');
        }
        const videos = devicesOf(vm.def, 'video');
        if (videos.length === 0) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'no screens to take screenshot from');
        }
        const caps = await s.loadCaps(vm.def.devices.emulator!);
        let device: string | undefined;
        let head = screen;
        if (screen > 0) {
          if (!hasFlag(caps, 'screendump_device')) {
            throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, QEMU, 'qemu does not allow specifying screen ID');
          }
          for (const v of videos) {
            const heads = Number(getAttr(kid(v, 'model'), 'heads') ?? 1);
            if (head < heads) { device = aliasOf(v); break; }
            head -= heads;
          }
          if (device === undefined) throw VirtError.report(ErrorCode.OPERATION_INVALID, QEMU, 'no such screen ID');
        }
        const file = tempName(join(vm.rt.libDir, 'qemu.screendump.'));
        closeSync(openSync(file, 'wx', 0o600));
        // qemuSecuritySetSavedStateLabel: QEMU's user writes it.
        const runAs = s.security.runAs();
        if (runAs) chownSync(file, runAs.uid, runAs.gid);
        try {
          const png = hasFlag(caps, 'screenshot-format-png');
          const args: Record<string, unknown> = { filename: file };
          if (device !== undefined) Object.assign(args, { device, head });
          if (png) args['format'] = 'png';
          await vm.monitor.execute('screendump', args).catch((e: unknown) => {
            if (e instanceof QmpCommandError) throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, e.desc);
            throw VirtError.report(ErrorCode.INTERNAL_ERROR, QEMU, (e as Error).message);
          });
          // virFDStreamOpenFile on the temp file, which is unlinked right after.
          let data: Buffer;
          try {
            data = readFileSync(file);
          } catch {
            throw VirtError.report(ErrorCode.OPERATION_FAILED, QEMU, 'unable to open stream');
          }
          stream.attach(bytesStreamDriver(data));
          return { mime: png ? 'image/png' : 'image/x-portable-pixmap' };
        } finally {
          try { unlinkSync(file); } catch { /* gone */ }
        }
      });
    },
  };
}
