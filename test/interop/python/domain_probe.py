"""libvirt-python's view of one running domain, for the QEMU interop test
(test/interop/qemu-domain.test.ts), which asks tsvirt's library the same
questions and compares the values.

    domain_probe.py URI DOMAIN info
        One JSON object on stdout: ID, UUID, state, info(), memoryStats(),
        vcpus(), blockStats of every disk target, and getAllDomainStats()
        (every group, active domains) as {domain name: {field: value}}.
    domain_probe.py URI DOMAIN events SECONDS
        Registers reboot (1) and balloon-change (13) callbacks on DOMAIN,
        prints `domain_probe: ready` on stderr, then one JSON line per event
        on stdout as it arrives; exits after SECONDS, or at EOF on stdin.
"""
import json
import sys
import threading
from xml.etree import ElementTree

import libvirt

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def info(conn, dom):
    root = ElementTree.fromstring(dom.XMLDesc(0))
    disks = [t.get('dev') for t in root.findall('./devices/disk/target')]
    out = {
        'id': dom.ID(),
        'uuid': dom.UUIDString(),
        'state': dom.state(0),
        'info': dom.info(),
        'memoryStats': dom.memoryStats(),
        'vcpus': dom.vcpus()[0],
        'blockStats': {d: list(dom.blockStats(d)) for d in disks},
        'allDomainStats': {d.name(): s for d, s in conn.getAllDomainStats(0, libvirt.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE)},
    }
    print(json.dumps(out, sort_keys=True))


def events(conn, dom, seconds):
    lock = threading.Lock()

    def emit(obj):
        with lock:
            sys.stdout.write(json.dumps(obj, sort_keys=True) + '\n')
            sys.stdout.flush()

    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_REBOOT,
                                lambda _c, d, _o: emit({'event': 'reboot', 'domain': d.name()}), None)
    conn.domainEventRegisterAny(dom, libvirt.VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
                                lambda _c, d, actual, _o: emit({'event': 'balloon-change', 'domain': d.name(), 'actual': actual}), None)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    timer = threading.Timer(seconds, done.set)
    timer.daemon = True  # EOF on stdin ends the probe at once
    timer.start()
    sys.stderr.write('domain_probe: ready\n')
    sys.stderr.flush()

    def loop():
        while not done.is_set():
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=loop, daemon=True).start()
    done.wait()


def main():
    uri, name, what = sys.argv[1], sys.argv[2], sys.argv[3]
    if what == 'events':
        # Before the connection opens, so that it watches its socket in this loop.
        libvirt.virEventRegisterDefaultImpl()
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    if what == 'info':
        info(conn, dom)
    elif what == 'events':
        events(conn, dom, float(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
