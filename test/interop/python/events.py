"""libvirt-python events through a daemon: lifecycle and reboot callbacks on
the domain, lifecycle on networks, fired by operations on the same
connection and on a second one. Prints the events in arrival order; the
test compares tsvirtd's sequence with a stock libvirtd's.

usage: events.py URI-TEMPLATE DOMAIN-XML
Run it on a daemon of its own: test:///default is shared by its clients.
"""
import sys
import threading

import libvirt
from common import show, uri

DOMAIN_XML = open(sys.argv[2]).read()
TIMEOUT = 10

libvirt.virEventRegisterDefaultImpl()
stop = False


def loop():
    while not stop:
        libvirt.virEventRunDefaultImpl()


thread = threading.Thread(target=loop, daemon=True)
thread.start()

cond = threading.Condition()
seen = []


def record(line):
    with cond:
        seen.append(line)
        cond.notify_all()


def wait_for(line, n=1):
    """Waits until `line` has arrived `n` times (the events before it came first: one stream per connection)."""
    with cond:
        if not cond.wait_for(lambda: seen.count(line) >= n, TIMEOUT):
            print('TIMEOUT waiting for %r (%d times)' % (line, n))


def lifecycle(_conn, dom, event, detail, opaque):
    record('%s lifecycle %s event=%d detail=%d' % (opaque, dom.name(), event, detail))


def reboot(_conn, dom, opaque):
    record('%s reboot %s' % (opaque, dom.name()))


def net_lifecycle(_conn, net, event, detail, opaque):
    record('%s network-lifecycle %s event=%d detail=%d' % (opaque, net.name(), event, detail))


conn = libvirt.open(uri('/default'))
other = libvirt.open(uri('/default'))
ro = libvirt.openReadOnly(uri('/default'))
dom = conn.lookupByName('test')

ids = [
    show('register all-domains lifecycle', conn.domainEventRegisterAny, None,
         libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, 'conn'),
    show('register test reboot', conn.domainEventRegisterAny, dom,
         libvirt.VIR_DOMAIN_EVENT_ID_REBOOT, reboot, 'conn'),
]
net_id = show('register network lifecycle', conn.networkEventRegisterAny, None,
              libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, net_lifecycle, 'conn')
# A read-only connection may listen.
ro_id = show('register read-only lifecycle', ro.domainEventRegisterAny, None,
             libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, 'ro')
show('register unknown event id', conn.domainEventRegisterAny, None, 1000, lifecycle, 'x')

# Operations on the registering connection.
show('suspend', dom.suspend)
show('resume', dom.resume)
show('reboot', dom.reboot, 0)
show('destroy', dom.destroy)
show('create', dom.create)
# Sentinel: everything above has arrived once this has.
show('sentinel suspend', dom.suspend)
SUSPENDED = 'lifecycle test event=%d detail=%d' % (libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED)
wait_for('conn ' + SUSPENDED, 2)
wait_for('ro ' + SUSPENDED, 2)
show('resume', dom.resume)

# Operations on another connection to the same host.
odom = other.lookupByName('test')
show('other destroy', odom.destroy)
extra = show('other createXML', other.createXML, DOMAIN_XML, 0)
if extra is not None:
    show('other destroy extra', extra.destroy)
show('other network destroy', lambda: other.networkLookupByName('default').destroy())
show('other network create', lambda: other.networkLookupByName('default').create())
defined = show('other defineXML', other.defineXML, DOMAIN_XML)
if defined is not None:
    show('other undefine', defined.undefine)
wait_for('conn lifecycle extra event=%d detail=%d' % (libvirt.VIR_DOMAIN_EVENT_UNDEFINED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED))
wait_for('ro lifecycle extra event=%d detail=%d' % (libvirt.VIR_DOMAIN_EVENT_UNDEFINED, libvirt.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED))

# Deregistered callbacks stay quiet.
for i in ids:
    if i is not None:
        show('deregister', conn.domainEventDeregisterAny, i)
if net_id is not None:
    show('deregister network', conn.networkEventDeregisterAny, net_id)
show('deregister again', conn.domainEventDeregisterAny, ids[0] if ids[0] is not None else 0)
show('other create', odom.create)
wait_for('ro lifecycle test event=%d detail=%d' % (libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED), 2)

with cond:
    # The conn and ro lines arrive on separate sockets: print each stream in order.
    for who in ('conn', 'ro'):
        print('== events on %s' % who)
        for line in seen:
            if line.startswith(who + ' '):
                print(line)

if ro_id is not None:
    show('ro deregister', ro.domainEventDeregisterAny, ro_id)
stop = True
show('ro close', ro.close)
show('other close', other.close)
show('conn close', conn.close)
