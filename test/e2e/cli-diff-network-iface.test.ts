/**
 * virsh vs tsvirsh for the network filter commands, net-update, the network
 * port and DHCP lease commands, and the interface-changing commands, on
 * test:///default (whose driver implements net-update and the interface
 * calls, but no network filters, ports or leases).
 */
import { join } from 'node:path';
import { ROOT, type Case } from './cli-cases.js';
import { diffCases } from './cli-diff.js';

const d = (...args: string[]) => ['-c', 'test:///default', ...args];
const F = (name: string) => join(ROOT, 'test/fixtures/cli/network-iface', name);
const UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f';

const COMMANDS = [
  'nwfilter-define', 'nwfilter-dumpxml', 'nwfilter-list', 'nwfilter-undefine', 'nwfilter-binding-create',
  'nwfilter-binding-delete', 'nwfilter-binding-dumpxml', 'nwfilter-binding-list',
  'net-dhcp-leases', 'net-port-create', 'net-port-delete', 'net-port-dumpxml', 'net-port-list', 'net-update',
  'iface-begin', 'iface-bridge', 'iface-commit', 'iface-define', 'iface-destroy', 'iface-rollback', 'iface-start',
  'iface-unbridge', 'iface-undefine', 'net-edit', 'iface-edit', 'nwfilter-edit',
];

const help: Case[] = COMMANDS.map((c) => ({ name: `help ${c}`, args: d('help', c) }));

const nwfilter: Case[] = [
  { name: 'nwfilter-list', args: d('nwfilter-list') },
  { name: 'nwfilter-list read-only', args: ['-r', ...d('nwfilter-list')] },
  { name: 'nwfilter-dumpxml by name', args: d('nwfilter-dumpxml', 'f1') },
  { name: 'nwfilter-dumpxml by uuid', args: d('nwfilter-dumpxml', UUID) },
  { name: 'nwfilter-dumpxml uuid-long non-uuid', args: d('nwfilter-dumpxml', 'x'.repeat(36)) },
  { name: 'nwfilter-dumpxml xpath', args: d('nwfilter-dumpxml', 'f1', '--xpath', '//rule', '--wrap') },
  { name: 'nwfilter-dumpxml missing arg', args: d('nwfilter-dumpxml') },
  { name: 'nwfilter-dumpxml empty arg', args: d('nwfilter-dumpxml', '') },
  { name: 'nwfilter-define', args: d('nwfilter-define', F('nwfilter.xml')) },
  { name: 'nwfilter-define validate', args: d('nwfilter-define', F('nwfilter.xml'), '--validate') },
  { name: 'nwfilter-define no file', args: d('nwfilter-define', '/nonexistent/filter.xml') },
  { name: 'nwfilter-define read-only', args: ['-r', ...d('nwfilter-define', F('nwfilter.xml'))] },
  { name: 'nwfilter-undefine', args: d('nwfilter-undefine', 'f1') },
  { name: 'nwfilter-undefine read-only', args: ['-r', ...d('nwfilter-undefine', 'f1')] },
  { name: 'nwfilter-binding-create', args: d('nwfilter-binding-create', F('nwfilter.xml')) },
  { name: 'nwfilter-binding-create validate', args: d('nwfilter-binding-create', '--validate', F('nwfilter.xml')) },
  { name: 'nwfilter-binding-create no file', args: d('nwfilter-binding-create', '/nonexistent') },
  { name: 'nwfilter-binding-delete', args: d('nwfilter-binding-delete', 'vnet0') },
  { name: 'nwfilter-binding-dumpxml', args: d('nwfilter-binding-dumpxml', 'vnet0', '--xpath', '//x') },
  { name: 'nwfilter-binding-list', args: d('nwfilter-binding-list') },
  { name: 'nwfilter-binding-list quiet', args: d('-q', 'nwfilter-binding-list') },
];

const ports: Case[] = [
  { name: 'net-dhcp-leases', args: d('net-dhcp-leases', 'default') },
  { name: 'net-dhcp-leases mac', args: d('net-dhcp-leases', 'default', '--mac', '52:54:00:00:00:01') },
  { name: 'net-dhcp-leases empty mac', args: d('net-dhcp-leases', 'default', '--mac', '') },
  { name: 'net-dhcp-leases no network', args: d('net-dhcp-leases', 'nosuch') },
  { name: 'net-dhcp-leases by uuid', args: d('net-dhcp-leases', 'dd8fe884-6c02-601e-7551-cca97df1c5df') },
  { name: 'net-port-list', args: d('net-port-list', 'default') },
  { name: 'net-port-list uuid', args: d('net-port-list', 'default', '--uuid') },
  { name: 'net-port-list uuid and table', args: d('net-port-list', 'default', '--uuid', '--table') },
  { name: 'net-port-list no network', args: d('net-port-list', 'nosuch') },
  { name: 'net-port-create', args: d('net-port-create', 'default', F('nwfilter.xml')) },
  { name: 'net-port-create validate', args: d('net-port-create', 'default', F('nwfilter.xml'), '--validate') },
  { name: 'net-port-create no network', args: d('net-port-create', 'nosuch', F('nwfilter.xml')) },
  { name: 'net-port-create no file', args: d('net-port-create', 'default', '/nonexistent') },
  { name: 'net-port-create read-only', args: ['-r', ...d('net-port-create', 'default', F('nwfilter.xml'))] },
  { name: 'net-port-dumpxml not a uuid', args: d('net-port-dumpxml', 'default', 'foo') },
  { name: 'net-port-dumpxml uuid', args: d('net-port-dumpxml', 'default', UUID, '--xpath', '/port') },
  { name: 'net-port-dumpxml no network', args: d('net-port-dumpxml', 'nosuch', UUID) },
  { name: 'net-port-dumpxml missing port', args: d('net-port-dumpxml', 'default') },
  { name: 'net-port-delete', args: d('net-port-delete', 'default', UUID) },
  { name: 'net-port-delete no network', args: d('net-port-delete', 'nosuch', 'foo') },
  { name: 'net-port-dumpxml then a failure', args: d('net-port-dumpxml default foo; net-dumpxml nosuch') },
];

const host = (attrs: string) => `<host ${attrs}/>`;
const up = (...rest: string[]) => d('net-update', 'default', ...rest);
const dump = '; net-dumpxml default';

const update: Case[] = [
  { name: 'net-update add dhcp host', args: d(`net-update default add ip-dhcp-host "${host("mac='00:11:22:33:44:55' name='h1' ip='192.168.122.5'")}"${dump}`) },
  { name: 'net-update add-first dhcp host with leases', args: d(
    `net-update default add ip-dhcp-host "<host mac='00:11:22:33:44:55' ip='192.168.122.5'><lease expiry='10' unit='hours'/></host>";`
    + ` net-update default add-first ip-dhcp-host "<host id='01:02' name='h2' ip='192.168.122.6'><lease expiry='0'/></host>"${dump}`) },
  { name: 'net-update dhcp host from file', args: d(`net-update default add-last ip-dhcp-host ${F('dhcp-host.xml')}${dump}`) },
  { name: 'net-update dhcp host no file', args: up('add', 'ip-dhcp-host', '/nonexistent/host.xml') },
  { name: 'net-update modify dhcp host', args: d(
    `net-update default add ip-dhcp-host "${host("mac='00:11:22:33:44:55' name='h1' ip='192.168.122.5'")}";`
    + ` net-update default modify ip-dhcp-host "${host("name='h1' ip='192.168.122.9'")}"${dump}`) },
  { name: 'net-update modify dhcp host by mac case', args: d(
    `net-update default add ip-dhcp-host "${host("mac='0a:11:22:33:44:55' ip='192.168.122.5'")}";`
    + ` net-update default modify ip-dhcp-host "${host("mac='A:11:22:33:44:55' ip='192.168.122.7'")}"${dump}`) },
  { name: 'net-update modify missing dhcp host', args: up('modify', 'ip-dhcp-host', host("mac='00:11:22:33:44:55' ip='192.168.122.5'")) },
  { name: 'net-update delete dhcp host', args: d(
    `net-update default add ip-dhcp-host "${host("mac='00:11:22:33:44:55' name='h1' ip='192.168.122.5'")}";`
    + ` net-update default delete ip-dhcp-host "${host("name='h1'")}"${dump}`) },
  { name: 'net-update delete dhcp host mismatch', args: d(
    `net-update default add ip-dhcp-host "${host("mac='00:11:22:33:44:55' name='h1' ip='192.168.122.5'")}";`
    + ` net-update default delete ip-dhcp-host "${host("name='h1' ip='192.168.122.6'")}"`) },
  { name: 'net-update delete dhcp host none given', args: up('delete', 'ip-dhcp-host', '<host/>') },
  { name: 'net-update delete missing dhcp host', args: up('delete', 'ip-dhcp-host', host("name='zz'")) },
  { name: 'net-update add duplicate dhcp host', args: d(
    `net-update default add ip-dhcp-host "${host("mac='00:11:22:33:44:55' ip='192.168.122.5'")}";`
    + ` net-update default add ip-dhcp-host "${host("name='x' ip='192.168.122.5'")}"`) },
  { name: 'net-update dhcp host without mac or name', args: up('add', 'ip-dhcp-host', host("ip='192.168.122.5'")) },
  { name: 'net-update dhcp host without ip', args: up('add', 'ip-dhcp-host', host("name='a'")) },
  { name: 'net-update dhcp host bad mac', args: up('add', 'ip-dhcp-host', host("mac='zz' ip='192.168.122.5'")) },
  { name: 'net-update dhcp host multicast mac', args: up('add', 'ip-dhcp-host', host("mac='01:00:00:00:00:01' ip='192.168.122.5'")) },
  { name: 'net-update dhcp host bad name', args: up('add', 'ip-dhcp-host', host("name='-a' ip='192.168.122.5'")) },
  { name: 'net-update dhcp host bad id', args: up('add', 'ip-dhcp-host', host("id='0g' name='a' ip='192.168.122.5'")) },
  { name: 'net-update dhcp host bad ip', args: up('add', 'ip-dhcp-host', host("name='a' ip='1.2.3.x'")) },
  { name: 'net-update dhcp host ipv6 ip', args: up('add', 'ip-dhcp-host', host("name='a' ip='::1'")) },
  { name: 'net-update dhcp host outside the subnet', args: d(`net-update default add ip-dhcp-host "${host("name='a' ip='10.0.0.1'")}"${dump}`) },
  { name: 'net-update dhcp host short lease', args: up('add', 'ip-dhcp-host', "<host name='a' ip='192.168.122.5'><lease expiry='1'/></host>") },
  { name: 'net-update dhcp host wrong element', args: up('add', 'ip-dhcp-host', '<range/>') },
  { name: 'net-update dhcp host parent index', args: up('add', 'ip-dhcp-host', host("name='a' ip='192.168.122.5'"), '--parent-index', '0') },
  { name: 'net-update dhcp host bad parent index', args: up('add', 'ip-dhcp-host', '<host/>', '--parent-index', '3') },
  { name: 'net-update dhcp host malformed parent index', args: up('add', 'ip-dhcp-host', '<host/>', '--parent-index', 'x') },
  { name: 'net-update malformed xml', args: up('add', 'ip-dhcp-host', '<host') },
  { name: 'net-update delete dhcp range', args: d(`net-update default delete ip-dhcp-range "<range start='192.168.122.2' end='192.168.122.254'/>"${dump}`) },
  { name: 'net-update add dhcp range', args: d(`net-update default add-first ip-dhcp-range "<range start='192.168.122.2' end='192.168.122.3'><lease expiry='3' unit='hours'/></range>"${dump}`) },
  { name: 'net-update add duplicate dhcp range', args: up('add', 'ip-dhcp-range', "<range start='192.168.122.2' end='192.168.122.254'/>") },
  { name: 'net-update modify dhcp range', args: up('modify', 'ip-dhcp-range', "<range start='192.168.122.2' end='192.168.122.254'/>") },
  { name: 'net-update dhcp range outside', args: up('add', 'ip-dhcp-range', "<range start='192.168.122.2' end='192.168.123.3'/>") },
  { name: 'net-update dhcp range reversed', args: up('add', 'ip-dhcp-range', "<range start='192.168.122.9' end='192.168.122.3'/>") },
  { name: 'net-update dhcp range no end', args: up('add', 'ip-dhcp-range', "<range start='192.168.122.9'/>") },
  { name: 'net-update dhcp range bad address', args: up('add', 'ip-dhcp-range', "<range start='x' end='y'/>") },
  { name: 'net-update delete missing dhcp range', args: up('delete', 'ip-dhcp-range', "<range start='192.168.122.2' end='192.168.122.3'/>") },
  { name: 'net-update dns host', args: d(`net-update default add dns-host "<host ip='192.168.122.7'><hostname>foo</hostname><hostname>bar</hostname></host>";`
    + ` net-update default add-first dns-host "<host ip='192.168.122.8'><hostname>foo</hostname></host>"${dump}`) },
  { name: 'net-update dns host duplicate ip', args: d(`net-update default add dns-host "<host ip='192.168.122.7'><hostname>foo</hostname></host>";`
    + ` net-update default add dns-host "<host ip='192.168.122.7'><hostname>x</hostname></host>"`) },
  { name: 'net-update delete dns host by name', args: d(`net-update default add dns-host "<host ip='192.168.122.7'><hostname>foo</hostname></host>";`
    + ` net-update default delete dns-host "<host><hostname>foo</hostname></host>"${dump}`) },
  { name: 'net-update delete dns host several', args: d(`net-update default add dns-host "<host ip='192.168.122.7'><hostname>foo</hostname></host>";`
    + ` net-update default add dns-host "<host ip='192.168.122.8'><hostname>foo</hostname></host>";`
    + ` net-update default delete dns-host "<host><hostname>foo</hostname></host>"`) },
  { name: 'net-update modify dns host', args: up('modify', 'dns-host', '<host/>') },
  { name: 'net-update delete dns host empty', args: up('delete', 'dns-host', '<host/>') },
  { name: 'net-update delete missing dns host', args: up('delete', 'dns-host', "<host ip='1.2.3.4'/>") },
  { name: 'net-update add dns host no name', args: up('add', 'dns-host', "<host ip='1.2.3.4'/>") },
  { name: 'net-update add dns host no ip', args: up('add', 'dns-host', '<host><hostname>a</hostname></host>') },
  { name: 'net-update dns txt and srv', args: d(`net-update default add dns-txt "<txt name='t1' value='v'/>";`
    + ` net-update default add dns-srv "<srv service='name' protocol='tcp' domain='d' target='t' port='1' priority='2' weight='3'/>";`
    + ` net-update default add-first dns-srv "<srv service='ldap' protocol='udp'/>"${dump}`) },
  { name: 'net-update delete dns txt and srv', args: d(`net-update default add dns-txt "<txt name='t1' value='v'/>";`
    + ` net-update default add dns-srv "<srv service='name' protocol='tcp'/>";`
    + ` net-update default delete dns-txt "<txt name='t1'/>"; net-update default delete dns-srv "<srv service='name'/>"${dump}`) },
  { name: 'net-update dns txt duplicate', args: d(`net-update default add dns-txt "<txt name='t1' value='v'/>";`
    + ` net-update default add dns-txt "<txt name='t1' value='w'/>"`) },
  { name: 'net-update dns txt bad name', args: up('add', 'dns-txt', "<txt name='a b' value='v'/>") },
  { name: 'net-update dns txt no value', args: up('add', 'dns-txt', "<txt name='a'/>") },
  { name: 'net-update delete missing dns txt', args: up('delete', 'dns-txt', "<txt name='a'/>") },
  { name: 'net-update modify dns txt', args: up('modify', 'dns-txt', "<txt name='a'/>") },
  { name: 'net-update delete missing dns srv', args: up('delete', 'dns-srv', '<srv/>') },
  { name: 'net-update dns srv no protocol', args: up('add', 'dns-srv', "<srv service='s'/>") },
  { name: 'net-update dns srv port without target', args: up('add', 'dns-srv', "<srv service='s' protocol='tcp' port='5'/>") },
  { name: 'net-update dns srv bad port', args: up('add', 'dns-srv', "<srv service='s' protocol='tcp' target='t' port='70000'/>") },
  { name: 'net-update dns srv bad service', args: up('add', 'dns-srv', "<srv service='a.b' protocol='tcp'/>") },
  { name: 'net-update dns srv duplicate', args: d(`net-update default add dns-srv "<srv service='name' protocol='tcp'/>";`
    + ` net-update default add dns-srv "<srv service='name' protocol='tcp'/>"`) },
  { name: 'net-update portgroups', args: d(`net-update default add portgroup "<portgroup name='engineering' default='yes'><vlan><tag id='42'/></vlan></portgroup>";`
    + ` net-update default add-first portgroup "<portgroup name='sales' trustGuestRxFilters='no'/>";`
    + ` net-update default modify portgroup "<portgroup name='sales'><bandwidth><inbound average='1000'/></bandwidth></portgroup>"${dump}`) },
  { name: 'net-update empty portgroup', args: d(`net-update default add portgroup "<portgroup name='a' default='YES'><virtualport/></portgroup>"${dump};`
    + ' net-dumpxml default --xpath //portgroup') },
  { name: 'net-update portgroup vlan trunk', args: d(`net-update default add portgroup "<portgroup name='b'><vlan trunk='yes'><tag id='3' nativeMode='untagged'/><tag id='4'/></vlan><virtualport type='openvswitch'/></portgroup>"${dump}`) },
  { name: 'net-update portgroup bandwidth', args: d(`net-update default add portgroup "<portgroup name='b'><bandwidth><outbound peak='5' average='128'/><inbound burst='1024' average='1000' peak='5000'/></bandwidth></portgroup>";`
    + ` net-update default add portgroup "<portgroup name='c'><bandwidth><inbound average='0'/></bandwidth></portgroup>"${dump}`) },
  ...[
    "<vlan><tag id='-1'/></vlan>", "<vlan><tag/></vlan>", "<vlan/>", "<vlan><tag id='5000'/></vlan>",
    "<vlan trunk='no'><tag id='1'/><tag id='2'/></vlan>", "<vlan trunk='no'><tag id='1' nativeMode='tagged'/></vlan>",
    "<vlan trunk='maybe'><tag id='1'/></vlan>", "<vlan><tag id='1' nativeMode='default'/></vlan>",
    "<vlan><tag id='1' nativeMode='tagged'/><tag id='2' nativeMode='tagged'/></vlan>",
    "<bandwidth><inbound floor='5'/></bandwidth>", "<bandwidth><inbound peak='5'/></bandwidth>",
    "<bandwidth><inbound average='x'/></bandwidth>", "<bandwidth><inbound/><inbound/></bandwidth>", "<bandwidth classID='1'/>",
  ].map((x): Case => ({ name: `net-update portgroup ${x}`, args: up('add', 'portgroup', `<portgroup name='p'>${x}</portgroup>`) })),
  { name: 'net-update second default portgroup', args: d(`net-update default add portgroup "<portgroup name='a' default='yes'/>";`
    + ` net-update default add portgroup "<portgroup name='b' default='yes'/>"`) },
  { name: 'net-update duplicate portgroup', args: d(`net-update default add portgroup "<portgroup name='a'/>";`
    + ` net-update default add portgroup "<portgroup name='a'/>"`) },
  { name: 'net-update delete portgroup', args: d(`net-update default add portgroup "<portgroup name='a'/>";`
    + ` net-update default delete portgroup "<portgroup name='a'/>"${dump}`) },
  { name: 'net-update modify missing portgroup', args: up('modify', 'portgroup', "<portgroup name='a'/>") },
  { name: 'net-update portgroup without name', args: up('add', 'portgroup', '<portgroup/>') },
  { name: 'net-update forward interface', args: d(`net-update default add forward-interface "<interface dev='eth0'/>"${dump}`) },
  { name: 'net-update two forward interfaces', args: d(`net-update default add forward-interface "<interface dev='eth0'/>";`
    + ` net-update default add forward-interface "<interface dev='eth1'/>"`) },
  { name: 'net-update delete forward interface', args: d(`net-update default add forward-interface "<interface dev='eth0'/>";`
    + ` net-update default delete forward-interface "<interface dev='eth0'/>"${dump}`) },
  { name: 'net-update delete missing forward interface', args: up('delete', 'forward-interface', "<interface dev='eth0'/>") },
  { name: 'net-update forward interface without dev', args: up('add', 'forward-interface', '<interface/>') },
  { name: 'net-update modify forward interface', args: up('modify', 'forward-interface', "<interface dev='eth0'/>") },
  { name: 'net-update bridge', args: up('add', 'bridge', "<bridge name='x'/>") },
  { name: 'net-update domain', args: up('add', 'domain', '<domain/>') },
  { name: 'net-update ip', args: up('delete', 'ip', '<ip/>') },
  { name: 'net-update forward', args: up('modify', 'forward', '<forward/>') },
  { name: 'net-update forward-pf', args: up('add', 'forward-pf', '<pf/>') },
  { name: 'net-update unknown command', args: up('foo', 'ip-dhcp-host', '<host/>') },
  { name: 'net-update none command', args: up('none', 'ip-dhcp-host', '<host/>') },
  { name: 'net-update unknown section', args: up('add', 'foo', '<host/>') },
  { name: 'net-update none section', args: up('add', 'none', '<host/>') },
  { name: 'net-update empty command', args: up('', 'ip-dhcp-host', '<host/>') },
  { name: 'net-update live and current', args: up('add', 'ip-dhcp-host', '<host/>', '--live', '--current') },
  { name: 'net-update config and current', args: up('add', 'ip-dhcp-host', '<host/>', '--config', '--current') },
  { name: 'net-update no network', args: d('net-update', 'nosuch', 'add', 'ip-dhcp-host', '<host/>') },
  { name: 'net-update missing xml', args: d('net-update', 'default', 'add', 'ip-dhcp-host') },
  { name: 'net-update read-only', args: ['-r', ...up('add', 'ip-dhcp-host', host("name='a' ip='192.168.122.5'"))] },
  { name: 'net-update config twice', args: d(`net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}" --config;`
    + ` net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}" --config${dump}`) },
  { name: 'net-update config and live', args: d(`net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}" --config --live;`
    + ` net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}" --config`) },
  { name: 'net-update live of an inactive network', args: d(`net-destroy default; net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}" --live`) },
  { name: 'net-update current of an inactive network', args: d(`net-destroy default; net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}";`
    + ` net-start default${dump}`) },
  { name: 'net-update config of a transient network', args: d(`net-undefine default; net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}" --config`) },
  { name: 'net-update quiet', args: d('-q', `net-update default add ip-dhcp-host "${host("name='a' ip='192.168.122.5'")}"`) },
  { name: 'net-update ipv6 network', args: d(`net-define ${F('network-ipv6.xml')}; net-start net6;`
    + ` net-update net6 add ip-dhcp-host "<host id='00:01:02' name='six' ip='2001:db8:ca2:2::150'/>";`
    + ` net-update net6 add ip-dhcp-host "<host name='four' ip='192.168.150.5'/>";`
    + ` net-update net6 add ip-dhcp-host "<host name='four' ip='192.168.150.5'/>" --parent-index 0;`
    + ` net-update net6 add ip-dhcp-host "<host mac='52:54:00:00:00:01' ip='2001:db8:ca2:2::151'/>"; net-dumpxml net6`) },
];

const define: Case[] = [
  { name: 'net-define vlan bandwidth portgroups leases', args: d(`net-define ${F('network-extras.xml')}; net-dumpxml extras;`
    + ` net-update extras delete portgroup "<portgroup name='q'/>"; net-dumpxml extras --xpath //portgroup`) },
  { name: 'net-define virtualport without type', args: d('net-define', F('network-vport-notype.xml')) },
  { name: 'net-define srv without protocol', args: d('net-define', F('network-srv-noproto.xml')) },
];

const iface: Case[] = [
  { name: 'iface-destroy', args: d('iface-destroy eth1; iface-list --all') },
  { name: 'iface-destroy alone', args: d('iface-destroy', 'eth1') },
  { name: 'iface-destroy twice', args: d('iface-destroy eth1; iface-destroy eth1') },
  { name: 'iface-destroy by mac', args: d('iface-destroy', 'aa:bb:cc:dd:ee:ff') },
  { name: 'iface-destroy missing', args: d('iface-destroy', 'nosuch') },
  { name: 'iface-start running', args: d('iface-start', 'eth1') },
  { name: 'iface-start', args: d('iface-destroy eth1; iface-start eth1; iface-list --all') },
  { name: 'iface-start read-only', args: ['-r', ...d('iface-start', 'eth1')] },
  { name: 'iface-undefine', args: d('iface-undefine eth1; iface-list --all') },
  { name: 'iface-undefine by mac', args: d('iface-undefine', 'aa:bb:cc:dd:ee:ff') },
  { name: 'iface-undefine missing', args: d('iface-undefine', 'nosuch') },
  { name: 'iface-undefine read-only', args: ['-r', ...d('iface-undefine', 'eth1')] },
  { name: 'iface-define', args: d(`iface-define ${F('iface-eth2.xml')}; iface-list --all; iface-start eth2; iface-list; iface-dumpxml eth2`) },
  { name: 'iface-define bridge', args: d(`iface-define ${F('iface-br0.xml')}; iface-dumpxml br0; iface-list --inactive`) },
  { name: 'iface-define replaces', args: d(`iface-define ${F('iface-eth1-new.xml')}; iface-list --all; iface-dumpxml eth1`) },
  { name: 'iface-define validate', args: d('iface-define', '--validate', F('iface-eth2.xml')) },
  { name: 'iface-define bad type', args: d('iface-define', F('iface-bad-type.xml')) },
  { name: 'iface-define malformed', args: d('iface-define', F('iface-malformed.xml')) },
  { name: 'iface-define not interface', args: d('iface-define', F('nwfilter.xml')) },
  { name: 'iface-define no file', args: d('iface-define', '/nonexistent/iface.xml') },
  { name: 'iface-define read-only', args: ['-r', ...d('iface-define', F('iface-eth2.xml'))] },
  { name: 'iface-begin commit', args: d('iface-begin; iface-destroy eth1; iface-commit; iface-list --all') },
  { name: 'iface-begin rollback', args: d(`iface-begin; iface-define ${F('iface-eth2.xml')}; iface-undefine eth1; iface-rollback; iface-list --all`) },
  { name: 'iface-rollback makes inactive', args: d('iface-begin; iface-rollback; iface-list --all; iface-start eth1') },
  { name: 'iface-begin twice', args: d('iface-begin; iface-begin') },
  { name: 'iface-commit without begin', args: d('iface-commit') },
  { name: 'iface-rollback without begin', args: d('iface-rollback') },
  { name: 'iface-commit twice', args: d('iface-begin; iface-commit; iface-commit') },
  { name: 'iface-begin read-only', args: ['-r', ...d('iface-begin')] },
  { name: 'iface-commit read-only', args: ['-r', ...d('iface-commit')] },
  { name: 'iface-begin quiet', args: d('-q', 'iface-begin; iface-rollback') },
  { name: 'iface-bridge', args: d('iface-bridge', 'eth1', 'br0') },
  { name: 'iface-bridge options', args: d('iface-bridge', 'eth1', 'br0', '--no-stp', '--delay', '5', '--no-start') },
  { name: 'iface-bridge existing bridge name', args: d('iface-bridge', 'eth1', 'eth1') },
  { name: 'iface-bridge missing interface', args: d('iface-bridge', 'nosuch', 'br0') },
  { name: 'iface-bridge by mac', args: d('iface-bridge', 'aa:bb:cc:dd:ee:ff', 'br0') },
  { name: 'iface-bridge negative delay', args: d('iface-bridge', 'eth1', 'br0', '--delay', '-1') },
  { name: 'iface-bridge bad delay', args: d('iface-bridge', 'eth1', 'br0', '--delay', 'x') },
  { name: 'iface-bridge missing bridge', args: d('iface-bridge', 'eth1') },
  { name: 'iface-unbridge', args: d(`iface-define ${F('iface-br0.xml')}; iface-unbridge br0`) },
  { name: 'iface-unbridge not a bridge', args: d('iface-unbridge', 'eth1', '--no-start') },
  { name: 'iface-unbridge missing', args: d('iface-unbridge', 'nosuch') },
];

const RANGE = { EDITOR: 'sed -i s/192.168.122.254/192.168.122.100/' };
const edit: Case[] = [
  { name: 'help groups filter', args: d('help', 'filter') },
  { name: 'help groups interface', args: d('help', 'interface') },
  { name: 'help groups network', args: d('help', 'network') },
  { name: 'net-edit unchanged', args: d('net-edit', 'default'), env: { EDITOR: 'true' } },
  { name: 'net-edit unchanged quiet', args: ['-q', ...d('net-edit', 'default')], env: { EDITOR: 'true' } },
  { name: 'net-edit changed', args: d('net-edit default; net-dumpxml default'), env: RANGE },
  { name: 'net-edit define fails', args: d('net-edit default; net-list --all'), env: { EDITOR: F('edit-break.sh') } },
  { name: 'net-edit new name', args: d('net-edit default; net-list --all'), env: { EDITOR: F('edit-rename.sh') } },
  { name: 'net-edit by uuid', args: d('net-edit', 'dd8fe884-6c02-601e-7551-cca97df1c5df'), env: { EDITOR: 'true' } },
  { name: 'net-edit no network', args: d('net-edit', 'nosuch'), env: { EDITOR: 'true' } },
  { name: 'net-edit no arg', args: d('net-edit'), env: { EDITOR: 'true' } },
  { name: 'net-edit read-only', args: ['-r', ...d('net-edit', 'default')], env: RANGE },
  { name: 'iface-edit', args: d('iface-edit', 'eth1'), env: { EDITOR: 'true' } },
  { name: 'iface-edit by mac', args: d('iface-edit', 'aa:bb:cc:dd:ee:ff'), env: { EDITOR: 'true' } },
  { name: 'iface-edit no interface', args: d('iface-edit', 'nosuch'), env: { EDITOR: 'true' } },
  { name: 'nwfilter-edit', args: d('nwfilter-edit', 'f1'), env: { EDITOR: 'true' } },
  { name: 'nwfilter-edit no arg', args: d('nwfilter-edit'), env: { EDITOR: 'true' } },
];

diffCases('tsvirsh matches virsh: network filters, net-update, ports, interface changes',
  [...help, ...nwfilter, ...ports, ...update, ...define, ...iface, ...edit]);
