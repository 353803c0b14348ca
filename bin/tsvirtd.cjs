#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072 node --max-semi-space-size=4
'use strict';
// Starts tsvirtd from the compiled modules (dist/, built by `tsc`).
// The #! line sets the allocator settings of src/util/daemon-launch.ts
// (memory goes back to the OS after bursts); `node bin/tsvirtd.cjs` runs
// without them unless the caller passes them as daemon-launch.ts does.
// process.exit: a daemon that has shut down must not linger on a handle
// someone forgot to close.

(async () => {
  const { main } = await import('../dist/src/daemon/main.js');
  process.exit(await main(process.argv.slice(2)));
})().catch((err) => {
  process.stderr.write(`tsvirtd: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
