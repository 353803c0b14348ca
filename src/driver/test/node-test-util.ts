/**
 * Helpers for the test driver's host-part tests: opening `test:///default`
 * or a host file, collecting events, and locating the golden fixtures.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverConnection, DriverEvent } from '../driver.js';
import type { ParsedURI } from '../../uri/index.js';
import { TestDriver } from './test-driver.js';

/** test/fixtures/test-host, from either src/ or dist/src/. */
export const FIXTURES = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const cand = join(dir, 'test/fixtures/test-host');
    try {
      readFileSync(join(cand, 'scenarios.json'));
      return cand;
    } catch { dir = resolve(dir, '..'); }
  }
  throw new Error('test/fixtures/test-host not found');
})();

/** A golden file's text. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export function testUri(path: string): ParsedURI {
  return {
    scheme: 'test', server: null, user: null, port: 0, path, query: null, fragment: null,
    params: [], driver: 'test', transport: null,
  };
}

/** Opens a fresh `test:///default` (own driver, so own default host) or a host file. */
export async function openTest(path = '/default'): Promise<Required<DriverConnection>> {
  const conn = await new TestDriver().open(testUri(path), { flags: 0 });
  return conn as Required<DriverConnection>;
}

/** Subscribes to a connection's events and returns the array they land in. */
export function collectEvents(conn: DriverConnection): DriverEvent[] {
  const events: DriverEvent[] = [];
  conn.subscribeEvents?.((ev) => events.push(ev));
  return events;
}
