/**
 * testDomainGetCPUStats of libvirt 9.0's test driver: made-up CPU times
 * for a running domain, per host CPU (one per core of the node info) or in
 * total. The contract method has the RPC's shape: the filled parameters in
 * CPU order, and libvirt's return value as `nparams`.
 */
import type { DomainRef, DriverConnection, TypedParam } from '../driver.js';
import { TYPED_PARAM_STRING_OKAY } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import type { XmlElement } from '../../util/xml.js';
import type { TestHost } from './host.js';

const T = ErrorDomain.TEST;
const ULLONG = 4;

/** TEST_TOTAL_CPUTIME. */
const TOTAL_CPUTIME = 48772617035;

function ullong(field: string, value: number): TypedParam {
  return { field, type: ULLONG, value };
}

/** testDomainGetDomainTotalCpuStats: the count when asked for none, else up to three totals. */
function totalStats(nparams: number): { params: TypedParam[]; nparams: number } {
  if (nparams === 0) return { params: [], nparams: 3 };
  const all = [ullong('cpu_time', TOTAL_CPUTIME), ullong('user_time', 5540000000), ullong('system_time', 6460000000)];
  const params = all.slice(0, Math.min(nparams, 3));
  return { params, nparams: params.length };
}

/** testDomainGetPercpuStats: cpu_time and vcpu_time of each CPU from start_cpu on. */
function percpuStats(nparams: number, startCpu: number, ncpus: number, totalCpus: number):
  { params: TypedParam[]; nparams: number } {
  if (nparams === 0 && ncpus !== 0) return { params: [], nparams: 2 };
  if (ncpus === 0) return { params: [], nparams: totalCpus };
  if (startCpu >= totalCpus) {
    throw VirtError.report(ErrorCode.INVALID_ARG, T, `start_cpu ${startCpu} larger than maximum of ${totalCpus - 1}`);
  }
  const percpu = Math.floor(TOTAL_CPUTIME / totalCpus);
  const need = Math.min(totalCpus, startCpu + ncpus);
  const perCpu = nparams > 1 ? 2 : 1;
  const params: TypedParam[] = [];
  for (let i = startCpu; i < need; i++) {
    params.push(ullong('cpu_time', percpu + i));
    if (perCpu > 1) params.push(ullong('vcpu_time', percpu + i - 1234567890));
  }
  return { params, nparams: perCpu };
}

/** The part of a test host answering virDomainGetCPUStats. */
export class DomainCpuStats {
  constructor(readonly host: TestHost) {}

  load(_root: XmlElement, _baseDir: string): void {}

  #active(dom: DomainRef) {
    const obj = this.host.domains.objects.find((o) => o.def.uuid === dom.uuid);
    if (!obj) {
      throw VirtError.report(ErrorCode.NO_DOMAIN, T, `no domain with matching uuid '${dom.uuid}' (${dom.name})`);
    }
    if (!obj.isActive) throw VirtError.report(ErrorCode.OPERATION_INVALID, ErrorDomain.DOMAIN, 'domain is not running');
    return obj;
  }

  methods(): Partial<DriverConnection> {
    return {
      domainGetCPUStats: async ({ dom, nparams, start_cpu, ncpus, flags }) => {
        checkFlags(flags, TYPED_PARAM_STRING_OKAY, 'testDomainGetCPUStats', T);
        this.#active(dom);
        if (start_cpu === -1) return totalStats(nparams);
        return percpuStats(nparams, start_cpu, ncpus, this.host.node.info.cores);
      },
    };
  }
}
