"""Joins a domain's console or channel stream to stdin/stdout, for the
QEMU harness (test/interop/qemu-harness.ts), with libvirt-python's
virDomainOpenConsole / virDomainOpenChannel: a pipe where `virsh console`
wants a terminal.

    stream_bridge.py URI DOMAIN [--channel NAME | --devname NAME] [--force] [--safe]

Prints `stream_bridge: open` on stderr once the stream is open; stream
bytes go to stdout unchanged, stdin bytes to the stream. EOF on stdin
finishes the stream (virStreamFinish) and exits 0; the stream's end (domain
stopped, another client forced it away) exits 0 for EOF and 1 with the
libvirt error on stderr.
"""
import os
import sys
import threading

import libvirt

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.stderr.write(__doc__)
        return 2
    uri, name, rest = args[0], args[1], args[2:]
    channel = devname = None
    force = safe = False
    while rest:
        a = rest.pop(0)
        if a == '--channel':
            channel = rest.pop(0)
        elif a == '--devname':
            devname = rest.pop(0)
        elif a == '--force':
            force = True
        elif a == '--safe':
            safe = True
        else:
            sys.stderr.write('stream_bridge: unknown argument %r\n' % a)
            return 2
    try:
        conn = libvirt.open(uri)
        dom = conn.lookupByName(name)
        st = conn.newStream(0)
        if channel is not None:
            dom.openChannel(channel, st, libvirt.VIR_DOMAIN_CHANNEL_FORCE if force else 0)
        else:
            flags = (libvirt.VIR_DOMAIN_CONSOLE_FORCE if force else 0) | (libvirt.VIR_DOMAIN_CONSOLE_SAFE if safe else 0)
            dom.openConsole(devname, st, flags)
    except libvirt.libvirtError as e:
        sys.stderr.write('stream_bridge: error: %s\n' % e.get_error_message())
        return 1
    sys.stderr.write('stream_bridge: open\n')
    sys.stderr.flush()

    closing = threading.Event()

    def pump_out():
        # A blocking stream's recv runs while the main thread sends.
        try:
            while True:
                data = st.recv(65536)
                if not data:
                    os._exit(0)
                os.write(1, data)
        except libvirt.libvirtError as e:
            if closing.is_set():
                # Our own finish ends the stream under recv ("stream is closed").
                return
            sys.stderr.write('stream_bridge: error: %s\n' % e.get_error_message())
            sys.stderr.flush()
            os._exit(1)

    threading.Thread(target=pump_out, daemon=True).start()
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            while data:
                data = data[st.send(data):]
        closing.set()
        st.finish()
    except libvirt.libvirtError as e:
        sys.stderr.write('stream_bridge: error: %s\n' % e.get_error_message())
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


if __name__ == '__main__':
    sys.exit(main())
