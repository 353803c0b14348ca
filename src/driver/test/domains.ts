import type { DriverConnection } from '../driver.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';

/** PLACEHOLDER: being written. */
export class DomainStore {
  constructor(readonly host: TestHost) {}

  /** Loads this part of a `<node>` host definition (baseDir resolves relative file= references). */
  load(_root: XmlElement, _baseDir: string): void {}

  /** The contract methods this part implements. */
  methods(): Partial<DriverConnection> {
    return {};
  }
}
