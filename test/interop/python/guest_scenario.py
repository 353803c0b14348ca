"""libvirt-python's part of the QEMU guest scenario (test/interop/qemu-driver.test.ts):
the same calls against tsvirtd and against a stock libvirtd, one transcript line
per call (errors as code/domain/message), compared line for line.

    guest_scenario.py URI DOMAIN live DIR
        On a running DOMAIN: state, info, a screenshot (mime type and the
        image's PPM header), suspend/resume, setMemoryFlags through the
        balloon, and a disk (DIR/py-disk.raw) attached live as vdc and
        detached again (waiting for the guest to let it go).
    guest_scenario.py URI - pool DIR
        A dir pool at DIR/py-pool: define, build, create, a raw volume,
        sparse upload of a file with two data extents, info, sparse download,
        the bytes and holes compared, delete, destroy, undefine.

Times, ids and paths under DIR are masked; the rest is printed as returned.
"""
import hashlib
import os
import sys
import time
from xml.etree import ElementTree

import libvirt

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

URI, NAME, MODE, DIR = sys.argv[1:5]


def out(what, value):
    text = str(value).replace(DIR, '<dir>')
    print(f'{what} -> {text}', flush=True)


def call(what, fn, *args):
    try:
        r = fn(*args)
    except libvirt.libvirtError as e:
        out(what, f'error {e.get_error_code()}/{e.get_error_domain()}: {e.get_error_message()}')
        return None
    out(what, r)
    return r


def disk_targets(dom):
    root = ElementTree.fromstring(dom.XMLDesc(0))
    return [t.get('dev') for t in root.findall('./devices/disk/target')]


def live(conn):
    dom = conn.lookupByName(NAME)
    out('isActive', dom.isActive())
    out('state', dom.state(0))
    state, maxmem, mem, ncpu, _cputime = dom.info()
    out('info', (state, maxmem, mem, ncpu))

    # screenshot: a stream the daemon fills with QEMU's screendump
    st = conn.newStream(0)
    mime = call('screenshot', dom.screenshot, st, 0, 0)
    if mime is not None:
        chunks = []
        st.recvAll(lambda _s, data, acc: acc.append(data), chunks)
        st.finish()
        img = b''.join(chunks)
        # The format and size only; the pixels follow the guest's screen.
        if img.startswith(b'\x89PNG\r\n\x1a\n'):
            size = (int.from_bytes(img[16:20], 'big'), int.from_bytes(img[20:24], 'big'))
            out('screenshot image', ('png', size))
        else:
            out('screenshot image', ('other', img[:2]))

    call('suspend', dom.suspend)
    out('state', dom.state(0))
    call('resume', dom.resume)
    out('state', dom.state(0))
    call('resume again', dom.resume)

    call('setMemoryFlags 110 MiB live', dom.setMemoryFlags, 110 * 1024, libvirt.VIR_DOMAIN_AFFECT_LIVE)

    path = os.path.join(DIR, 'py-disk.raw')
    with open(path, 'wb') as f:
        f.truncate(8 << 20)
    xml = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
           f"<source file='{path}'/><target dev='vdc' bus='virtio'/></disk>")
    call('attachDeviceFlags vdc live', dom.attachDeviceFlags, xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    out('disks', disk_targets(dom))
    out('persistent disks', [t.get('dev') for t in ElementTree.fromstring(
        dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).findall('./devices/disk/target')])
    call('detachDeviceFlags vdc live', dom.detachDeviceFlags, xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)
    deadline = time.time() + 60
    while 'vdc' in disk_targets(dom) and time.time() < deadline:
        time.sleep(0.2)
    out('disks', disk_targets(dom))
    call('detachDeviceFlags vdc again', dom.detachDeviceFlags, xml, libvirt.VIR_DOMAIN_AFFECT_LIVE)


def pool(conn):
    target = os.path.join(DIR, 'py-pool')
    xml = f"<pool type='dir'><name>py-pool</name><target><path>{target}</path></target></pool>"
    p = call('storagePoolDefineXML', lambda: conn.storagePoolDefineXML(xml, 0).name())
    if p is None:
        return
    p = conn.storagePoolLookupByName('py-pool')
    call('build', p.build, 0)
    call('create', p.create, 0)
    out('pool info state', p.info()[0])
    vxml = "<volume><name>v.raw</name><capacity unit='MiB'>8</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>"
    vol = p.createXML(vxml, 0)
    out('volume', (vol.name(), vol.info()[0], vol.info()[1]))

    # Two extents: 64 KiB at 0 and at 4 MiB, holes between and after.
    src = os.path.join(DIR, 'py-src.raw')
    with open(src, 'wb') as f:
        f.truncate(8 << 20)
        f.write(b'A' * 65536)
        f.seek(4 << 20)
        f.write(b'B' * 65536)
    fd = os.open(src, os.O_RDONLY)

    def source_read(_st, nbytes, fd_):
        return os.read(fd_, nbytes)

    def source_hole(_st, fd_):
        cur = os.lseek(fd_, 0, os.SEEK_CUR)
        try:
            data = os.lseek(fd_, cur, os.SEEK_DATA)
        except OSError:
            data = -1
        if data < 0:
            end = os.lseek(fd_, 0, os.SEEK_END)
            os.lseek(fd_, cur, os.SEEK_SET)
            return [False, end - cur]
        if data > cur:
            os.lseek(fd_, cur, os.SEEK_SET)
            return [False, data - cur]
        hole = os.lseek(fd_, cur, os.SEEK_HOLE)
        os.lseek(fd_, cur, os.SEEK_SET)
        return [True, hole - cur]

    def source_skip(_st, length, fd_):
        os.lseek(fd_, length, os.SEEK_CUR)
        return 0

    st = conn.newStream(0)
    call('upload sparse', vol.upload, st, 0, 0, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
    st.sparseSendAll(source_read, source_hole, source_skip, fd)
    st.finish()
    os.close(fd)
    out('volume info after upload (type, capacity)', vol.info()[:2])

    dst = os.path.join(DIR, 'py-dst.raw')
    dfd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def sink_recv(_st, data, fd_):
        return os.write(fd_, data)

    def sink_hole(_st, length, fd_):
        os.lseek(fd_, length, os.SEEK_CUR)
        return 0

    st = conn.newStream(0)
    call('download sparse', vol.download, st, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
    st.sparseRecvAll(sink_recv, sink_hole, dfd)
    st.finish()
    os.ftruncate(dfd, os.lseek(dfd, 0, os.SEEK_CUR))
    os.close(dfd)

    def digest(path):
        with open(path, 'rb') as f:
            return hashlib.sha256(f.read()).hexdigest()

    out('download equals upload', digest(src) == digest(dst))
    out('download size', os.path.getsize(dst))
    # The holes survive both ways: far fewer blocks than bytes.
    out('download sparse', os.stat(dst).st_blocks * 512 < 1 << 20)
    call('vol delete', vol.delete, 0)
    out('volumes', p.listVolumes())
    call('destroy', p.destroy)
    call('undefine', p.undefine)


conn = libvirt.open(URI)
if MODE == 'live':
    live(conn)
elif MODE == 'pool':
    pool(conn)
else:
    sys.exit(f'unknown mode {MODE}')
conn.close()
