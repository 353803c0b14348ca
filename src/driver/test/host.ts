/**
 * One test-driver host: everything a `test:///…` connection sees. libvirt's
 * testDriver struct, split into parts that each own one object family.
 */
import { dirname } from 'node:path';
import type { DriverConnection } from '../driver.js';
import { readXmlFile, tooLargeError } from '../../util/read-file.js';
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';
import { children, parseXml, type XmlElement } from '../../util/xml.js';
import { CheckpointStore } from './checkpoint.js';
import { DomainBalloon } from './domain-balloon.js';
import { DomainCpuStats } from './domain-cpu-stats.js';
import { DomainMonitor } from './domain-monitor.js';
import { DomainStore } from './domains.js';
import { DomainSaveStore } from './domain-save.js';
import { DomainSettingsStore } from './domain-settings.js';
import { DomainTuneStore } from './domain-tune.js';
import { EventBus } from './events.js';
import { InterfaceStore } from './interfaces.js';
import { NetworkStore } from './networks.js';
import { NodeDeviceStore } from './nodedevs.js';
import { NodeState } from './node.js';
import { StorageStore } from './storage.js';

export interface TestUser { name: string; password: string | null }

interface HostPart {
  load(root: XmlElement, baseDir: string): void;
  methods(): Partial<DriverConnection>;
}

export class TestHost {
  readonly events = new EventBus();
  readonly node: NodeState;
  readonly domains: DomainStore;
  /** Tuning and settings calls on the domains' definitions. */
  readonly domainTune: DomainTuneStore;
  readonly domainSettings: DomainSettingsStore;
  /** Save, restore, managed save and core dumps. */
  readonly domainSave: DomainSaveStore;
  readonly networks: NetworkStore;
  readonly storage: StorageStore;
  readonly interfaces: InterfaceStore;
  readonly nodedevs: NodeDeviceStore;
  readonly checkpoints: CheckpointStore;
  readonly cpuStats: DomainCpuStats;
  readonly domainMonitor: DomainMonitor;
  readonly domainBalloon: DomainBalloon;
  /** `<auth><user password='…'>name</user></auth>` of the host file. */
  readonly users: TestUser[] = [];
  #methods: Partial<DriverConnection> | null = null;

  constructor() {
    this.node = new NodeState(this);
    this.domains = new DomainStore(this);
    this.domainTune = new DomainTuneStore(this.domains);
    this.domainSettings = new DomainSettingsStore(this);
    this.domainSave = new DomainSaveStore(this.domains);
    this.networks = new NetworkStore(this);
    this.storage = new StorageStore(this);
    this.interfaces = new InterfaceStore(this);
    this.nodedevs = new NodeDeviceStore(this);
    this.checkpoints = new CheckpointStore(this);
    this.cpuStats = new DomainCpuStats(this);
    this.domainMonitor = new DomainMonitor(this);
    this.domainBalloon = new DomainBalloon(this);
  }

  /** In testOpenParse's order, so a file with several errors reports the same one first. */
  get parts(): HostPart[] {
    return [this.node, this.domains, this.networks, this.interfaces, this.storage, this.nodedevs, this.checkpoints, this.cpuStats,
      this.domainTune, this.domainSettings, this.domainSave, this.domainMonitor,
      this.domainBalloon];
  }

  /** Builds a host from a `<node>` document (testOpenParse). */
  static fromXml(xml: string, file: string, baseDir: string): TestHost {
    return TestHost.fromElement(parseXml(xml, file, ErrorDomain.TEST), baseDir);
  }

  /**
   * Builds a host from an already parsed `<node>` element. The parts only
   * read `root` (what they keep is their own copy or the same read-only
   * subtree), so one parsed tree can seed any number of hosts.
   */
  static fromElement(root: XmlElement, baseDir: string): TestHost {
    if (root.name !== 'node') {
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.XML,
        `expecting root element of 'node', not '${root.name}'`);
    }
    const host = new TestHost();
    for (const part of host.parts) part.load(root, baseDir);
    for (const auth of children(root, 'auth')) {
      for (const u of children(auth, 'user')) {
        host.users.push({ name: u.text.trim(), password: u.attrs['password'] ?? null });
      }
    }
    return host;
  }

  /** testOpenFromFile: a private host per connection, read from `path`. */
  static fromFile(path: string): TestHost {
    let xml: string;
    try {
      xml = readXmlFile(path);
    } catch (e) {
      const big = tooLargeError(path, e);
      if (big) throw big;
      // libxml2's default error handler reports the I/O failure on stderr
      // itself (virsh users see this line); libvirt then says only this.
      process.stderr.write(`I/O warning : failed to load external entity "${path}"\n`);
      throw VirtError.report(ErrorCode.XML_ERROR, ErrorDomain.TEST,
        `failed to parse xml document '${path}'`, { cause: e });
    }
    return TestHost.fromXml(xml, path, dirname(path));
  }

  /**
   * The contract methods of every part, merged into one object. Built once
   * per host and shared by all its connections (the methods close over the
   * parts, never over a connection).
   */
  methods(): Partial<DriverConnection> {
    return this.#methods ??= Object.assign({}, ...this.parts.map((p) => p.methods())) as Partial<DriverConnection>;
  }
}
