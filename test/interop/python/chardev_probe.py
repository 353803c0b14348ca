"""Channels, console sessions and screenshots of a running QEMU guest
through libvirt-python, for test/interop/qemu-chardev.test.ts: the same
steps against tsvirtd and against a stock libvirtd, one JSON line per step
(`{"step": …, "ok": …}` or `{"step": …, "error": [code, domain, message]}`).

    chardev_probe.py URI DOMAIN ECHO_CHANNEL STEP…

Steps: `channel` (data both ways through ECHO_CHANNEL), `channel-busy`
(a second open without and then with FORCE; what the first stream sees),
`channel-errors` (unknown name, pty channel, console name), `console-busy`
(the same for the console), `screenshot` (mime, image header and size of
screen 0; errors of screen 1).
"""
import json
import sys
import time

import libvirt

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)


def err(e):
    return [e.get_error_code(), e.get_error_domain(), e.get_error_message()]


def out(step, **kw):
    kw['step'] = step
    sys.stdout.write(json.dumps(kw, sort_keys=True) + '\n')
    sys.stdout.flush()


def attempt(step, fn):
    try:
        out(step, ok=fn())
    except libvirt.libvirtError as e:
        out(step, error=err(e))


def recv_exact(st, n, timeout=60):
    """Blocking reads until n bytes came (the echo may come in pieces)."""
    got = b''
    deadline = time.time() + timeout
    while len(got) < n and time.time() < deadline:
        d = st.recv(n - len(got))
        if d == -2:
            time.sleep(0.05)
            continue
        if not d:
            break
        got += d
    return got


def echo(st, text):
    data = text.encode()
    st.send(data)
    return recv_exact(st, len(data)).decode()


def main():
    uri, name, chan, steps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    # One connection per stream: a blocking recv holds its connection.
    conns = [libvirt.open(uri) for _ in range(3)]
    doms = [c.lookupByName(name) for c in conns]
    for step in steps:
        if step == 'channel':
            def channel():
                st = conns[0].newStream(0)
                doms[0].openChannel(chan, st, 0)
                a = echo(st, 'ping-123\n')
                b = echo(st, 'x' * 3000 + '\n')
                st.finish()
                return [a, len(b)]
            attempt('channel', channel)
        elif step == 'channel-busy':
            st1 = conns[0].newStream(0)
            doms[0].openChannel(chan, st1, 0)
            out('channel-busy: first', ok=echo(st1, 'one\n'))
            st2 = conns[1].newStream(0)
            attempt('channel-busy: second', lambda: doms[1].openChannel(chan, st2, 0))
            st3 = conns[2].newStream(0)
            attempt('channel-busy: forced', lambda: doms[2].openChannel(chan, st3, libvirt.VIR_DOMAIN_CHANNEL_FORCE))
            attempt('channel-busy: forced echoes', lambda: echo(st3, 'three\n'))
            attempt('channel-busy: first after force', lambda: st1.recv(10))
            for st in (st1, st3):
                try:
                    st.finish()
                except libvirt.libvirtError:
                    pass
        elif step == 'channel-errors':
            for n in ['no-such-channel', 'channel2', 'org.tsvirt.pty.0', None]:
                def opener(n=n):
                    st = conns[0].newStream(0)
                    doms[0].openChannel(n, st, 0)
                    st.abort()
                    return True
                attempt('channel-errors: %s' % n, opener)
            attempt('channel-errors: console channel1', lambda: doms[0].openConsole('channel1', conns[0].newStream(0), 0))
            attempt('channel-errors: flags', lambda: doms[0].openChannel(chan, conns[0].newStream(0), 2))
        elif step == 'console-busy':
            st1 = conns[0].newStream(0)
            doms[0].openConsole(None, st1, 0)
            out('console-busy: first', ok=True)
            st2 = conns[1].newStream(0)
            attempt('console-busy: second', lambda: doms[1].openConsole(None, st2, 0))
            attempt('console-busy: second safe', lambda: doms[1].openConsole('serial0', st2, libvirt.VIR_DOMAIN_CONSOLE_SAFE))
            st3 = conns[2].newStream(0)
            attempt('console-busy: forced', lambda: doms[2].openConsole(None, st3, libvirt.VIR_DOMAIN_CONSOLE_FORCE) or True)
            attempt('console-busy: first after force', lambda: st1.recv(10))
            attempt('console-busy: no such device', lambda: doms[1].openConsole('serial7', conns[1].newStream(0), 0))
            for st in (st1, st3):
                try:
                    st.finish()
                except libvirt.libvirtError:
                    pass
        elif step == 'screenshot':
            def shot(screen):
                st = conns[0].newStream(0)
                mime = doms[0].screenshot(st, screen, 0)
                data = b''
                while True:
                    d = st.recv(65536)
                    if not d:
                        break
                    data += d
                st.finish()
                head = data[:8].hex() if data[:4] == b'\x89PNG' else data[:2].decode('latin1')
                # PNG: width and height from IHDR.
                size = [int.from_bytes(data[16:20], 'big'), int.from_bytes(data[20:24], 'big')] if data[:4] == b'\x89PNG' else None
                return [mime, head, size]
            attempt('screenshot 0', lambda: shot(0))
            attempt('screenshot 1', lambda: shot(1))
            attempt('screenshot flags', lambda: doms[0].screenshot(conns[0].newStream(0), 0, 1))
        else:
            out(step, error='unknown step')


if __name__ == '__main__':
    main()
