export { TestDriver } from './test-driver.js';
export { TestHost } from './host.js';
