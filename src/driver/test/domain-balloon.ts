/**
 * The test driver's memory balloon call (libvirt 9.0 src/test/test_driver.c,
 * testDomainSetMemoryStatsPeriod): the statistics period is the balloon
 * device's `<stats period='N'/>` in the chosen definition.
 */
import type { DriverConnection } from '../driver.js';
import { checkFlags, ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { AffectFlags } from '../../conf/domain-constants.js';
import { getAttr, node } from '../../conf/domain-xml.js';
import type { TestHost } from './host.js';

const TEST = ErrorDomain.TEST;

export class DomainBalloon {
  constructor(private readonly host: TestHost) {}

  load(): void {
    // Nothing of its own: it works on the domains' definitions.
  }

  methods(): Partial<DriverConnection> {
    return {
      domainSetMemoryStatsPeriod: async ({ dom, period, flags }) => {
        checkFlags(flags, AffectFlags.LIVE | AffectFlags.CONFIG, 'testDomainSetMemoryStatsPeriod', TEST);
        const { domains } = this.host;
        const { def } = domains.oneDef(domains.lookup(dom), flags);
        // virDomainDefHasMemballoon: a device whose model is not 'none'.
        const balloon = def.devices.list.find((d) => d.kind === 'memballoon' && getAttr(d.node, 'model') !== 'none');
        if (!balloon) {
          throw VirtError.report(ErrorCode.INTERNAL_ERROR, TEST,
            'No memory balloon device configured, can not set the collection period');
        }
        // virDomainMemballoonDefFormat writes the period only when it is not 0.
        balloon.node.children = balloon.node.children.filter((c) => c.name !== 'stats');
        if (period !== 0) balloon.node.children.unshift(node('stats', [['period', period]]));
      },
    };
  }
}
