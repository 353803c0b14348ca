/**
 * Saving and restoring domains on the test driver: libvirt 9.0's
 * test_driver.c save/restore, save-image, managed-save and core-dump calls.
 * A save image is a real file in the test driver's own format:
 * "TestGuestMagic\0", the XML length as a native int, then the domain XML
 * (testDomainSaveImageWrite / testDomainSaveImageOpen).
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import type { DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { strerror } from '../../util/strerror.js';
import type { XmlElement } from '../../util/xml.js';
import {
  DomainEventType as Ev, EventStartedDetail, EventStoppedDetail, RunningReason, ShutoffReason,
} from '../../conf/domain-constants.js';
import { formatDomainDef, parseDomainXml, type DomainDef } from '../../conf/domain-def.js';
import type { DomainObj, DomainStore } from './domains.js';
import { testXMLOption, generateIfnames } from './domain-conf.js';

const TEST = ErrorDomain.TEST;

/** TEST_SAVE_MAGIC with its NUL, as sizeof() writes it. */
const SAVE_MAGIC = Buffer.from('TestGuestMagic\0', 'latin1');
/** The longest XML testDomainSaveImageOpen accepts. */
const MAX_XML = 8192;

/** virDomainSaveRestoreFlags. */
export const SaveFlags = { BYPASS_CACHE: 1, RUNNING: 2, PAUSED: 4, RESET_NVRAM: 8 } as const;
/** virDomainCoreDumpFlags (VIR_DUMP_*). */
export const DumpFlags = { CRASH: 1, LIVE: 2, BYPASS_CACHE: 4, RESET: 8, MEMORY_ONLY: 16 } as const;
/** VIR_DOMAIN_CORE_DUMP_FORMAT_RAW. */
const DUMP_FORMAT_RAW = 0;
/** VIR_DOMAIN_SAVE_IMAGE_XML_SECURE. */
const SAVE_IMAGE_XML_SECURE = 1;

/**
 * virReportSystemError: `<msg>: <strerror(errno)>`. A short read sets no
 * errno: libvirt prints whatever an earlier call left there, "Success"
 * (0) in a fresh process; that leftover is not modelled.
 */
function systemError(msg: string, cause: unknown): VirtError {
  const why = cause === null ? 'Success' : strerror(cause);
  return VirtError.report(ErrorCode.SYSTEM_ERROR, TEST, `${msg}: ${why}`);
}

/** virDomainObjCheckActive. */
function checkActive(obj: DomainObj): void {
  if (!obj.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, 'domain is not running');
}

/** saferead: reads up to `n` bytes; the count read (short at end of file). */
function readUpTo(fd: number, n: number): Buffer {
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = readSync(fd, buf, got, n - got, null);
    if (r === 0) break;
    got += r;
  }
  return buf.subarray(0, got);
}

/** testDomainSaveImageWrite: the image file for `def`; on failure the file is removed. */
export function writeSaveImage(path: string, def: DomainDef): void {
  const xml = Buffer.from(formatDomainDef(def, testXMLOption, { inactive: false, secure: true }), 'utf8');
  let fd = -1;
  try {
    try {
      fd = openSync(path, 'w', 0o600);
    } catch (e) {
      throw systemError(`saving domain '${def.name}' to '${path}': open failed`, e);
    }
    const len = Buffer.alloc(4);
    len.writeInt32LE(xml.length);
    try {
      for (const part of [SAVE_MAGIC, len, xml]) writeSync(fd, part);
    } catch (e) {
      throw systemError(`saving domain '${def.name}' to '${path}': write failed`, e);
    }
    const closing = fd;
    fd = -1;
    try {
      closeSync(closing);
    } catch (e) {
      throw systemError(`saving domain '${def.name}' to '${path}': write failed`, e);
    }
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // Already failing: libvirt ignores a failed unlink here.
    }
    throw e;
  }
}

/** testDomainSaveImageOpen: the definition stored in an image (parsed as inactive). */
export function readSaveImage(path: string): DomainDef {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw systemError(`cannot read domain image '${path}'`, e);
  }
  try {
    const read = (n: number, what: string): Buffer => {
      let b: Buffer;
      try {
        b = readUpTo(fd, n);
      } catch (e) {
        throw systemError(what, e);
      }
      if (b.length !== n) throw systemError(what, null);
      return b;
    };
    const magic = read(SAVE_MAGIC.length, `incomplete save header in '${path}'`);
    if (!magic.equals(SAVE_MAGIC)) throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, 'mismatched header magic');
    const len = read(4, `failed to read metadata length in '${path}'`).readInt32LE();
    if (len < 1 || len > MAX_XML) throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST, 'length of metadata out of range');
    const data = read(len, `incomplete metadata in '${path}'`);
    // The XML is a C string: it ends at the first NUL.
    const nul = data.indexOf(0);
    return parseDomainXml((nul < 0 ? data : data.subarray(0, nul)).toString('utf8'), testXMLOption);
  } finally {
    closeSync(fd);
  }
}

/** The save, restore, managed-save and core-dump part of a test host. */
export class DomainSaveStore {
  constructor(readonly domains: DomainStore) {}

  load(_root: XmlElement, _baseDir: string): void {
    // Nothing of its own in a host file: <test:hasmanagedsave/> is the domains' part.
  }

  /** After a save or a crash dump: the domain stops, a transient one goes away. */
  #stop(obj: DomainObj, reason: number, detail: number): void {
    const d = this.domains;
    d.shutdownState(obj, reason);
    d.emitLifecycle(obj, Ev.STOPPED, detail);
    if (!obj.persistent) d.remove(obj);
  }

  methods(): Partial<DriverConnection> {
    const d = this.domains;
    const m: Partial<DriverConnection> = {
      async domainSave({ dom, to }) {
        await m.domainSaveFlags!({ dom, to, dxml: null, flags: 0 });
      },
      domainSaveFlags: async ({ dom, to, dxml, flags }) => {
        checkFlags(flags, 0, 'testDomainSaveFlags', TEST);
        if (dxml !== null) throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, TEST, 'xml modification unsupported');
        const obj = d.lookup(dom);
        checkActive(obj);
        writeSaveImage(to, obj.def);
        this.#stop(obj, ShutoffReason.SAVED, EventStoppedDetail.SAVED);
      },
      async domainRestore({ from }) {
        await m.domainRestoreFlags!({ from, dxml: null, flags: 0 });
      },
      async domainRestoreFlags({ from, dxml, flags }) {
        checkFlags(flags, 0, 'testDomainRestoreFlags', TEST);
        if (dxml !== null) throw VirtError.report(ErrorCode.ARGUMENT_UNSUPPORTED, TEST, 'xml modification unsupported');
        const def = readSaveImage(from);
        generateIfnames(def);
        const obj = d.addLive(def);
        d.startState(obj, RunningReason.RESTORED);
        d.emitLifecycle(obj, Ev.STARTED, EventStartedDetail.RESTORED);
      },
      async domainSaveImageDefineXML({ file, dxml, flags }) {
        checkFlags(flags, SaveFlags.RUNNING | SaveFlags.PAUSED, 'testDomainSaveImageDefineXML', TEST);
        readSaveImage(file);
        writeSaveImage(file, parseDomainXml(dxml, testXMLOption));
      },
      async domainSaveImageGetXMLDesc({ file, flags }) {
        checkFlags(flags, SAVE_IMAGE_XML_SECURE, 'testDomainSaveImageGetXMLDesc', TEST);
        return { xml: formatDomainDef(readSaveImage(file), testXMLOption, { inactive: false, secure: true }) };
      },
      async domainCoreDump({ dom, to, flags }) {
        await m.domainCoreDumpWithFormat!({ dom, to, dumpformat: DUMP_FORMAT_RAW, flags });
      },
      domainCoreDumpWithFormat: async ({ dom, to, dumpformat, flags }) => {
        checkFlags(flags, DumpFlags.CRASH, 'testDomainCoreDumpWithFormat', TEST);
        const obj = d.lookup(dom);
        checkActive(obj);
        writeCoreDump(dom.name, to);
        // The file is written before the format is looked at, as in test_driver.c.
        if (dumpformat !== DUMP_FORMAT_RAW) {
          throw VirtError.report(ErrorCode.OPERATION_UNSUPPORTED, TEST, 'kdump-compressed format is not supported here');
        }
        if (flags & DumpFlags.CRASH) this.#stop(obj, ShutoffReason.CRASHED, EventStoppedDetail.CRASHED);
      },
      async domainManagedSave({ dom, flags }) {
        checkFlags(flags, SaveFlags.BYPASS_CACHE | SaveFlags.RUNNING | SaveFlags.PAUSED, 'testDomainManagedSave', TEST);
        const obj = d.lookup(dom);
        checkActive(obj);
        if (!obj.persistent) {
          throw VirtError.report(ErrorCode.OPERATION_INVALID, TEST, 'cannot do managed save for transient domain');
        }
        d.shutdownState(obj, ShutoffReason.SAVED);
        d.emitLifecycle(obj, Ev.STOPPED, EventStoppedDetail.SAVED);
        obj.hasManagedSave = true;
      },
      async domainManagedSaveRemove({ dom, flags }) {
        checkFlags(flags, 0, 'testDomainManagedSaveRemove', TEST);
        d.lookup(dom).hasManagedSave = false;
      },
    };
    return m;
  }
}

/** testDomainCoreDumpWithFormat's file: only the magic header. */
function writeCoreDump(name: string, to: string): void {
  let fd: number;
  try {
    fd = openSync(to, 'w', 0o600);
  } catch (e) {
    throw systemError(`domain '${name}' coredump: failed to open ${to}`, e);
  }
  try {
    writeSync(fd, SAVE_MAGIC);
  } catch (e) {
    closeSync(fd);
    throw systemError(`domain '${name}' coredump: failed to write header to ${to}`, e);
  }
  try {
    closeSync(fd);
  } catch (e) {
    throw systemError(`domain '${name}' coredump: write failed: ${to}`, e);
  }
}
