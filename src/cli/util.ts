/**
 * Small helpers shared by the command groups: reading an XML file the way
 * virFileReadAll reports failures, typed parameters as virsh prints and
 * parses them, and the XML dump with `--xpath`.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { TypedParam } from '../driver/driver.js';
import { ErrorCode, ErrorDomain, VirtError } from '../errors.js';
import { TypedParameterType } from '../api/constants.js';
import { strToLong } from './command.js';
import { formatFixed } from './format.js';
import type { Shell } from './shell.js';
import { xpathDump, XPathUnsupported } from './xpath.js';

/** VSH_MAX_XML_FILE. */
const MAX_XML_FILE = 10 * 1024 * 1024;

/** A library call the API does not offer yet fails as libvirt's unsupported-function error. */
export function unsupported(api: string, domain: number = ErrorDomain.NONE): VirtError {
  return VirtError.report(ErrorCode.NO_SUPPORT, domain, api);
}

export { strerror } from '../util/strerror.js';
import { strerror } from '../util/strerror.js';

/** virReportSystemError: `<message>: <strerror>`. */
function systemError(msg: string, e: unknown): VirtError {
  return new VirtError(ErrorCode.SYSTEM_ERROR, `${msg}: ${strerror(e)}`, ErrorDomain.NONE);
}

/**
 * virFileReadAll with VSH_MAX_XML_FILE (or `max` bytes): the file's text,
 * or null with libvirt's error kept for the report.
 */
export function readFileAll(ctl: Shell, path: string, max = MAX_XML_FILE): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    ctl.saveError(systemError(`Failed to open file '${path}'`, e));
    return null;
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > max) {
        const err = Object.assign(new Error('too large'), { code: 'EOVERFLOW' });
        ctl.saveError(systemError(`Failed to read file '${path}'`, err));
        return null;
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  } catch (e) {
    ctl.saveError(systemError(`Failed to read file '${path}'`, e));
    return null;
  } finally {
    closeSync(fd);
  }
}

/** vshGetTypedParamValue. */
export function typedParamValue(p: TypedParam): string {
  switch (p.type) {
    case TypedParameterType.INT:
    case TypedParameterType.UINT:
    case TypedParameterType.LLONG:
    case TypedParameterType.ULLONG:
      return String(p.value);
    case TypedParameterType.DOUBLE:
      return formatFixed(Number(p.value), 6);
    case TypedParameterType.BOOLEAN:
      return p.value ? 'yes' : 'no';
    case TypedParameterType.STRING:
      return String(p.value);
    default:
      return String(p.value);
  }
}

/**
 * virTypedParameterAssignFromStr: `value` converted to the field's type,
 * or the error libvirt raises.
 */
export function typedParamFromString(field: string, type: number, value: string): TypedParam | VirtError {
  const bad = (what: string) => VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE,
    `Invalid value for field '${field}': expected ${what}`);
  switch (type) {
    case TypedParameterType.INT: {
      const v = strToLong(value, { signed: true, bits: 32 });
      return v === null ? bad('int') : { field, type, value: Number(v) };
    }
    case TypedParameterType.UINT: {
      const v = strToLong(value, { signed: false, bits: 32 });
      return v === null ? bad('unsigned int') : { field, type, value: Number(v) };
    }
    case TypedParameterType.LLONG: {
      const v = strToLong(value, { signed: true, bits: 64 });
      return v === null ? bad('long long') : { field, type, value: Number(v) };
    }
    case TypedParameterType.ULLONG: {
      const v = strToLong(value, { signed: false, bits: 64 });
      return v === null ? bad('unsigned long long') : { field, type, value: Number(v) };
    }
    case TypedParameterType.DOUBLE: {
      const v = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value) ? Number(value) : NaN;
      return Number.isNaN(v) ? bad('double') : { field, type, value: v };
    }
    case TypedParameterType.BOOLEAN:
      if (/^true$/i.test(value) || value === '1') return { field, type, value: true };
      if (/^false$/i.test(value) || value === '0') return { field, type, value: false };
      return VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.NONE, `Invalid boolean value for field '${field}'`);
    case TypedParameterType.STRING:
      return { field, type, value };
    default:
      return VirtError.report(ErrorCode.INTERNAL_ERROR, ErrorDomain.NONE, `unexpected type ${type} for field ${field}`);
  }
}

/**
 * virshDumpXML: prints the document, or with `--xpath` the selected nodes
 * (a subset of XPath, see xpath.ts).
 */
export function dumpXML(ctl: Shell, xml: string, xpath: string | undefined, wrap = false): boolean {
  if (xpath === undefined) {
    ctl.print(xml);
    return true;
  }
  try {
    ctl.print(xpathDump(xml, xpath, wrap));
    return true;
  } catch (e) {
    if (e instanceof XPathUnsupported) {
      ctl.error(`XPath expression '${xpath}' is beyond what tsvirsh evaluates`);
      return false;
    }
    ctl.saveError(e);
    return false;
  }
}
