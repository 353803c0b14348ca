"""libvirt-python against a daemon: the connection API, read-only denial,
domains, networks, storage and the screenshot stream. Prints a transcript;
the test runs it against tsvirtd and a stock libvirtd and compares.

usage: api.py URI-TEMPLATE HOST-FILE DOMAIN-XML NETWORK-XML
  URI-TEMPLATE  e.g. test+tcp://127.0.0.1:PORT{path}
  HOST-FILE     absolute path of a test-driver host file (private per connection)
"""
import sys

import libvirt
from common import body, err_text, fmt, show, uri

HOST = sys.argv[2]
DOMAIN_XML = open(sys.argv[3]).read()
NETWORK_XML = open(sys.argv[4]).read()

VOL_XML = """<volume>
  <name>py-vol.img</name>
  <capacity unit='M'>10</capacity>
  <allocation unit='M'>1</allocation>
  <target><format type='raw'/></target>
</volume>
"""


def by_name(objs):
    """libvirt lists in hash-table order, which is seeded at random: sort."""
    return sorted(objs, key=lambda o: o.name())


def mask_vcpus(v):
    # cpuTime (third field of each vcpu) follows the wall clock in the test driver.
    info, maps = v
    return [[[n, state, 'cpuTime', cpu] for n, state, _t, cpu in info], maps]


def dominfo(dom):
    # cpuTime (the last field) follows the wall clock in the test driver.
    try:
        i = dom.info()
    except libvirt.libvirtError as e:
        print('  info: %s' % err_text(e))
        return
    print('  info: state=%d maxMem=%d memory=%d vcpus=%d cpuTime=%s' % (i[0], i[1], i[2], i[3], 'set' if i[4] >= 0 else i[4]))


def describe(dom):
    print('domain %s' % dom.name())
    show('  ID', dom.ID)
    show('  UUIDString', dom.UUIDString)
    show('  UUID', dom.UUID)
    show('  OSType', dom.OSType)
    show('  state', dom.state)
    show('  isActive', dom.isActive)
    show('  isPersistent', dom.isPersistent)
    show('  isUpdated', dom.isUpdated)
    show('  autostart', dom.autostart)
    show('  maxMemory', dom.maxMemory)
    show('  maxVcpus', dom.maxVcpus)
    dominfo(dom)
    body(show('  XMLDesc', dom.XMLDesc, 0))


# ---- the connection -----------------------------------------------------
print('== open')
conn = libvirt.open(uri('/default'))
show('getURI', conn.getURI)
show('getType', conn.getType)
show('getVersion', conn.getVersion)
show('getLibVersion', conn.getLibVersion)
show('getHostname', conn.getHostname)
show('isAlive', conn.isAlive)
show('isSecure', conn.isSecure)
show('isEncrypted', conn.isEncrypted)
show('getMaxVcpus', conn.getMaxVcpus, None)
show('getInfo', conn.getInfo)
show('getFreeMemory', conn.getFreeMemory)
show('getCellsFreeMemory', conn.getCellsFreeMemory, 0, 8)
body(show('getCapabilities', conn.getCapabilities))
body(show('getSysinfo', conn.getSysinfo, 0))
show('numOfDomains', conn.numOfDomains)
show('numOfDefinedDomains', conn.numOfDefinedDomains)
show('listDomainsID', lambda: sorted(conn.listDomainsID()))
show('listDefinedDomains', lambda: sorted(conn.listDefinedDomains()))

print('== default host domains')
for dom in by_name(conn.listAllDomains(0)):
    describe(dom)
show('listAllDomains(ACTIVE)', lambda: by_name(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)))
show('listAllDomains(INACTIVE)', lambda: by_name(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)))
show('lookupByID(1)', conn.lookupByID, 1)
show('lookupByID(7)', conn.lookupByID, 7)
show('lookupByName(test)', conn.lookupByName, 'test')
show('lookupByName(nope)', conn.lookupByName, 'nope')
show('lookupByUUIDString', conn.lookupByUUIDString, '6695eb01-f6a4-8304-79aa-97f2502e193f')
show('lookupByUUIDString(unknown)', conn.lookupByUUIDString, '00000000-0000-0000-0000-000000000001')
show('lookupByUUIDString(bad)', conn.lookupByUUIDString, 'not-a-uuid')
dom = conn.lookupByName('test')
show('schedulerType', dom.schedulerType)
show('schedulerParameters', dom.schedulerParameters)
show('vcpus', lambda: mask_vcpus(dom.vcpus()))
show('blockInfo(vda)', dom.blockInfo, 'vda', 0)
show('memoryStats', dom.memoryStats)
show('getTime', dom.getTime)
show('hasManagedSaveImage', dom.hasManagedSaveImage, 0)

# ---- read-only connections ----------------------------------------------
print('== openReadOnly')
ro = libvirt.openReadOnly(uri('/default'))
show('ro getURI', ro.getURI)
show('ro listAllDomains', lambda: by_name(ro.listAllDomains(0)))
rodom = ro.lookupByName('test')
show('ro XMLDesc(SECURE)', rodom.XMLDesc, libvirt.VIR_DOMAIN_XML_SECURE)
show('ro destroy', rodom.destroy)
show('ro suspend', rodom.suspend)
show('ro setMemory', rodom.setMemory, 1024)
show('ro undefine', rodom.undefine)
show('ro setAutostart', rodom.setAutostart, 1)
show('ro defineXML', ro.defineXML, DOMAIN_XML)
show('ro createXML', ro.createXML, DOMAIN_XML, 0)
show('ro networkCreateXML', ro.networkCreateXML, NETWORK_XML)
show('ro networkLookupByName(default).destroy', lambda: ro.networkLookupByName('default').destroy())
show('ro storageVolCreateXML', lambda: ro.storagePoolLookupByName('default-pool').createXML(VOL_XML, 0))
show('ro newStream screenshot', lambda: rodom.screenshot(ro.newStream(0), 0, 0))
show('ro close', ro.close)

# ---- mutations on a private host ----------------------------------------
print('== host file')
h = libvirt.open(uri(HOST))
show('getURI', h.getURI)
for d in by_name(h.listAllDomains(0)):
    print('domain %s id=%d active=%d persistent=%d' % (d.name(), d.ID(), d.isActive(), d.isPersistent()))
web1 = h.lookupByName('web1')
show('web1 suspend', web1.suspend)
show('web1 state', web1.state)
show('web1 suspend again', web1.suspend)
show('web1 resume', web1.resume)
show('web1 resume again', web1.resume)
show('web1 destroy', web1.destroy)
show('web1 state', web1.state)
show('web1 ID', web1.ID)
show('web1 destroy again', web1.destroy)
show('web1 create', web1.create)
show('web1 ID', web1.ID)
show('web1 setMemory', web1.setMemory, 262144)
dominfo(web1)
show('web1 shutdown', web1.shutdown)
show('web1 state', web1.state)
show('web1 setAutostart', web1.setAutostart, 1)
show('web1 autostart', web1.autostart)
show('web1 undefine', web1.undefine)
show('lookup web1', h.lookupByName, 'web1')

extra = show('createXML', h.createXML, DOMAIN_XML, 0)
if extra is not None:
    describe(extra)
    show('extra isPersistent', extra.isPersistent)
    show('extra destroy', extra.destroy)
    show('lookup extra after destroy', h.lookupByName, 'extra')
paused = show('createXML(START_PAUSED)', h.createXML, DOMAIN_XML, libvirt.VIR_DOMAIN_START_PAUSED)
if paused is not None:
    show('paused state', paused.state)
    show('paused destroy', paused.destroy)
show('createXML(garbage)', h.createXML, '<domain>', 0)
defined = show('defineXML', h.defineXML, DOMAIN_XML)
if defined is not None:
    describe(defined)
    show('defineXML again (same uuid)', h.defineXML, DOMAIN_XML)
    show('extra create', defined.create)
    show('extra undefine while running', defined.undefine)
    show('extra isPersistent', defined.isPersistent)
    show('extra destroy', defined.destroy)
    show('lookup extra', h.lookupByName, 'extra')
show('defineXML(dup name other uuid)', h.defineXML, DOMAIN_XML.replace('11111111-', '21111111-').replace('extra', 'db'))
show('listDefinedDomains', lambda: sorted(h.listDefinedDomains()))

# ---- networks -------------------------------------------------------------
print('== networks')
show('numOfNetworks', h.numOfNetworks)
show('listNetworks', lambda: sorted(h.listNetworks()))
show('listDefinedNetworks', lambda: sorted(h.listDefinedNetworks()))
for n in by_name(h.listAllNetworks(0)):
    print('network %s active=%d persistent=%d' % (n.name(), n.isActive(), n.isPersistent()))
    show('  UUIDString', n.UUIDString)
    show('  bridgeName', n.bridgeName)
    show('  autostart', n.autostart)
    body(show('  XMLDesc', n.XMLDesc, 0))
show('networkLookupByName(nope)', h.networkLookupByName, 'nope')
show('networkLookupByUUIDString', h.networkLookupByUUIDString, '99998888-7777-6666-5555-444433332222')
lan = h.networkLookupByName('lan')
show('lan destroy', lan.destroy)
show('lan isActive', lan.isActive)
show('lan destroy again', lan.destroy)
show('lan create', lan.create)
show('lan setAutostart', lan.setAutostart, 1)
show('lan autostart', lan.autostart)
net = show('networkCreateXML', h.networkCreateXML, NETWORK_XML)
if net is not None:
    show('extranet isPersistent', net.isPersistent)
    body(show('extranet XMLDesc', net.XMLDesc, 0))
    show('extranet destroy', net.destroy)
    show('lookup extranet', h.networkLookupByName, 'extranet')
net = show('networkDefineXML', h.networkDefineXML, NETWORK_XML)
if net is not None:
    show('extranet isActive', net.isActive)
    show('extranet create', net.create)
    show('extranet undefine', net.undefine)
    show('extranet isPersistent', net.isPersistent)
    show('extranet destroy', net.destroy)
show('networkCreateXML(garbage)', h.networkCreateXML, '<network/>')

# ---- storage --------------------------------------------------------------
print('== storage')
show('numOfStoragePools', h.numOfStoragePools)
show('listStoragePools', lambda: sorted(h.listStoragePools()))
show('listDefinedStoragePools', lambda: sorted(h.listDefinedStoragePools()))
for p in by_name(h.listAllStoragePools(0)):
    print('pool %s active=%d persistent=%d' % (p.name(), p.isActive(), p.isPersistent()))
    show('  UUIDString', p.UUIDString)
    show('  info', p.info)
    show('  autostart', p.autostart)
    body(show('  XMLDesc', p.XMLDesc, 0))
    if p.isActive():
        show('  numOfVolumes', p.numOfVolumes)
        show('  listVolumes', lambda: sorted(p.listVolumes()))
        for v in by_name(p.listAllVolumes(0)):
            print('  volume %s' % v.name())
            show('    key', v.key)
            show('    path', v.path)
            show('    info', v.info)
            body(show('    XMLDesc', v.XMLDesc, 0))
    else:
        show('  listAllVolumes (inactive)', p.listAllVolumes, 0)
show('storagePoolLookupByName(nope)', h.storagePoolLookupByName, 'nope')
pool = h.storagePoolLookupByName('data-pool')
show('storageVolLookupByPath', h.storageVolLookupByPath, '/data-pool/tie.raw')
show('storageVolLookupByPath(nope)', h.storageVolLookupByPath, '/data-pool/nope')
show('storageVolLookupByKey', h.storageVolLookupByKey, '/data-pool/tie.raw')
show('storageVolLookupByName(nope)', pool.storageVolLookupByName, 'nope')
vol = show('createXML vol', pool.createXML, VOL_XML, 0)
if vol is not None:
    show('vol key', vol.key)
    show('vol info', vol.info)
    body(show('vol XMLDesc', vol.XMLDesc, 0))
    show('vol storagePoolLookupByVolume', vol.storagePoolLookupByVolume)
    show('createXML vol again', pool.createXML, VOL_XML, 0)
    show('pool info with vol', pool.info)
    show('vol delete', vol.delete, 0)
    show('vol delete again', vol.delete, 0)
    show('lookup vol', pool.storageVolLookupByName, 'py-vol.img')
show('pool refresh', pool.refresh, 0)
show('pool destroy', pool.destroy)
show('pool listVolumes inactive', lambda: sorted(pool.listVolumes()))
show('pool create', pool.create, 0)
show('pool numOfVolumes', pool.numOfVolumes)

# ---- screenshot stream ----------------------------------------------------
print('== screenshot')
chunks = []
st = conn.newStream(0)
mime = show('screenshot', dom.screenshot, st, 0, 0)
if mime is not None:
    show('recvAll', st.recvAll, lambda _s, data, acc: acc.append(data) or 0, chunks)
    show('finish', st.finish)
    print('data: %s' % fmt(b''.join(chunks)))


def other_screen(label, c, d, screen):
    s = c.newStream(0)
    if show(label, d.screenshot, s, screen, 0) is not None:
        show(label + ' abort', s.abort)


other_screen('screenshot(screen 1)', conn, dom, 1)
other_screen('screenshot(inactive)', h, h.lookupByName('Alpha'), 0)

# ---- close ----------------------------------------------------------------
print('== close')
show('host close', h.close)
show('default close', conn.close)
