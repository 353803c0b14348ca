/**
 * Reading the parts of a test host file: `file=` references
 * (testParseXMLDocFromFile) and user-supplied definition strings, with the
 * errors libvirt gives for them.
 */
import { isAbsolute } from 'node:path';
import { readXmlFile, tooLargeError } from '../../util/read-file.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { parseXml, type XmlElement } from '../../util/xml.js';

/**
 * The text of a file a host file refers to (testParseXMLDocFromFile), or
 * libvirt's error: "File too large" past the cap, else "failed to parse xml
 * document" from `domain` (the reporting code's error domain).
 */
export function readReferencedFile(path: string, domain: number): string {
  try {
    return readXmlFile(path);
  } catch (e) {
    throw tooLargeError(path, e)
      ?? VirtError.report(ErrorCode.XML_ERROR, domain, `failed to parse xml document '${path}'`, { cause: e });
  }
}

/**
 * testParseXMLDocFromFile: an element with `file='x.xml'` is replaced by the
 * root of that document (relative to the host file's directory), which must
 * be called `rootName`.
 */
export function loadFamilyElement(el: XmlElement, baseDir: string, rootName: string): XmlElement {
  const rel = el.attrs['file'];
  if (rel === undefined) return el;
  const abs = isAbsolute(rel) ? rel : `${baseDir.replace(/\/$/, '')}/${rel}`;
  const root = parseXml(readReferencedFile(abs, ErrorDomain.TEST), abs, ErrorDomain.TEST);
  if (root.name !== rootName) {
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML, `expecting root element of '${rootName}', not '${root.name}'`);
  }
  return root;
}

/**
 * Parses an XML string given to a define/create call. Syntax errors are
 * VIR_ERR_XML_DETAIL reported from the calling subsystem's error domain,
 * with `url` as the document name, as virXMLParse does.
 */
export function parseDefinitionXml(xml: string, url: string, domain: number): XmlElement {
  return parseXml(xml, url, domain);
}
