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
 * testParseXMLDocFromFile: an element with `file='x.xml'` is replaced by the
 * root of that document (relative to the host file's directory), which must
 * be called `rootName`.
 */
export function loadFamilyElement(el: XmlElement, baseDir: string, rootName: string): XmlElement {
  const rel = el.attrs['file'];
  if (rel === undefined) return el;
  const abs = isAbsolute(rel) ? rel : `${baseDir.replace(/\/$/, '')}/${rel}`;
  let text: string;
  try {
    text = readXmlFile(abs);
  } catch (e) {
    const big = tooLargeError(abs, e);
    if (big) throw big;
    throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.TEST, `failed to parse xml document '${abs}'`, { cause: e });
  }
  const root = parseXml(text, abs, ErrorDomain.TEST);
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
