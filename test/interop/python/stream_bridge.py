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
import time

import libvirt

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

# A blocking virStreamRecv holds the remote driver's connection lock until
# data arrives, so a send from another thread waits for it: when the guest
# says nothing until it gets input (a silent console, an echo channel) the
# two deadlock. So the stream is non-blocking and its incoming data comes
# from libvirt's event loop (as virsh console does); sends happen on the
# main thread and never wait on a receive.
libvirt.virEventRegisterDefaultImpl()


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
        st = conn.newStream(libvirt.VIR_STREAM_NONBLOCK)
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

    def fail(e):
        if closing.is_set():
            # Our own finish ends the stream ("stream is closed").
            return
        sys.stderr.write('stream_bridge: error: %s\n' % e.get_error_message())
        sys.stderr.flush()
        os._exit(1)

    def readable(stream, events, _opaque):
        try:
            while True:
                data = stream.recv(65536)
                if data == -2:
                    # Nothing more for now; a hang-up with nothing left is the end.
                    if events & libvirt.VIR_STREAM_EVENT_HANGUP:
                        os._exit(0)
                    return
                if not data:
                    os._exit(0)
                os.write(1, data)
        except libvirt.libvirtError as e:
            fail(e)

    st.eventAddCallback(libvirt.VIR_STREAM_EVENT_READABLE | libvirt.VIR_STREAM_EVENT_ERROR | libvirt.VIR_STREAM_EVENT_HANGUP,
                        readable, None)

    def event_loop():
        while True:
            libvirt.virEventRunDefaultImpl()

    threading.Thread(target=event_loop, daemon=True).start()
    try:
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            while data:
                n = st.send(data)
                if n == -2:
                    # The socket is full for now (non-blocking stream).
                    time.sleep(0.01)
                    continue
                data = data[n:]
        closing.set()
        st.eventRemoveCallback()
        st.finish()
    except libvirt.libvirtError as e:
        sys.stderr.write('stream_bridge: error: %s\n' % e.get_error_message())
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)


if __name__ == '__main__':
    sys.exit(main())
