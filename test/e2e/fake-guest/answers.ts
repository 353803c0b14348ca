/**
 * tsvirsh with the answers of answers.c: the test driver, plus those calls
 * answering what the preloaded fakes answer stock virsh. Run as a program
 * with tsvirsh's arguments (cli-diff-domain-monitor-fakes.test.ts).
 */
import { main } from '../../../src/cli/main.js';
import type { DriverConnection, TypedParam } from '../../../src/driver/driver.js';
import { DomainMonitor } from '../../../src/driver/test/domain-monitor.js';

const P = (field: string, type: number, value: number | boolean | string): TypedParam => ({ field, type, value });
const [INT, UINT, LLONG, ULLONG, DOUBLE, BOOLEAN, STRING] = [1, 2, 3, 4, 5, 6, 7];

const BLOCK_FIELDS = ['rd_operations', 'rd_bytes', 'wr_operations', 'wr_bytes', 'flush_operations', 'rd_total_times',
  'wr_total_times', 'flush_total_times', 'custom_field'];

function jobParams(): TypedParam[] {
  const U = (f: string, v: number) => P(f, ULLONG, v);
  return [
    P('operation', INT, 5), U('time_elapsed', 12345), U('time_elapsed_net', 12000), U('time_remaining', 678),
    U('data_total', 1073741824), U('data_processed', 536870912), U('data_remaining', 536870912),
    U('memory_total', 1073741824), U('memory_processed', 536870912), U('memory_remaining', 536870912),
    U('memory_bps', 10485760), U('memory_dirty_rate', 100), U('memory_page_size', 4096), U('memory_iteration', 3),
    U('memory_postcopy_requests', 7), U('memory_constant', 50), U('memory_normal', 60), U('memory_normal_bytes', 245760),
    U('disk_total', 2048), U('disk_processed', 1024), U('disk_remaining', 1024), U('disk_bps', 512),
    U('downtime', 30), U('downtime_net', 25), U('setup_time', 5),
    U('compression_cache', 67108864), U('compression_bytes', 1000), U('compression_pages', 10),
    U('compression_cache_misses', 2), U('compression_overflow', 1), P('auto_converge_throttle', INT, 20),
    P('errmsg', STRING, 'something failed'), U('disk_temp_used', 11), U('disk_temp_total', 22),
  ];
}

const fakes: Partial<DriverConnection> = {
  async domainAuthorizedSSHKeysGet() { return { keys: ['ssh-rsa AAA key1', 'ssh-ed25519 BBB key2'] }; },
  async domainGetGuestInfo() {
    return {
      params: [P('user.count', UINT, 1), P('user.0.name', STRING, 'root'), P('timezone.offset', INT, -3600),
        P('fs.0.total-bytes', ULLONG, 123456789012), P('disk.0.partition', BOOLEAN, true), P('load.1m', DOUBLE, 0.25)],
    };
  },
  async domainGetGuestVcpus() { return { params: [P('vcpus', STRING, '0-3'), P('online', STRING, '0-1'), P('offlinable', STRING, '1-3')] }; },
  async domainGetLaunchSecurityInfo() {
    return { params: [P('sev-measurement', STRING, 'abc=='), P('sev-api-major', UINT, 0), P('sev-policy', UINT, 3)] };
  },
  async domainAuthorizedSSHKeysSet() {},
  async domainSetGuestVcpus() {},
  async domainSetLaunchSecurityState() {},
  async domainPMSuspendForDuration() {},
  async domainPMWakeup() {},
  async domainStartDirtyRateCalc() {},
  async domainUpdateDeviceFlags() {},
  async domainSetBlockThreshold() {},
  async domainAbortJob() {},
  async domainAbortJobFlags() {},
  async domainBlockStatsFlags({ nparams }) {
    if (nparams === 0) return { params: [], nparams: BLOCK_FIELDS.length };
    return { params: BLOCK_FIELDS.map((f, i) => P(f, LLONG, (i + 1) * 10)).reverse(), nparams: BLOCK_FIELDS.length };
  },
  async domainGetJobStats() { return { type: Number(process.env['FAKE_JOB_TYPE'] ?? 1), params: jobParams() }; },
};

const methods = DomainMonitor.prototype.methods;
DomainMonitor.prototype.methods = function (this: DomainMonitor) {
  return Object.assign(methods.call(this), fakes);
};
process.exitCode = await main(process.argv.slice(2));
