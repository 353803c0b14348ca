"""Helpers shared by the interop scripts: a transcript printer that turns
every libvirt call into one line, errors included, so two runs (tsvirtd and
a stock libvirtd) can be compared line for line.

Every script takes a URI template as argv[1], with `{path}` where the
test-driver path goes, e.g. `test+tcp://127.0.0.1:1234{path}`, and prints
URIs back with the template replaced by `URI`.
"""
import hashlib
import sys

import libvirt

# Errors go to the transcript, not to stderr.
libvirt.registerErrorHandler(lambda _ctx, _err: None, None)

TEMPLATE = sys.argv[1] if len(sys.argv) > 1 else 'test://{path}'
PREFIX, _, SUFFIX = TEMPLATE.partition('{path}')


def uri(path):
    """The remote URI for a test-driver path."""
    return TEMPLATE.replace('{path}', path)


def mask(text):
    """Replaces this run's URIs (which name ports and sockets) with URI(path)."""
    if not isinstance(text, str):
        return text
    if PREFIX and PREFIX in text:
        out = []
        rest = text
        while PREFIX in rest:
            before, _, after = rest.partition(PREFIX)
            # The path runs up to the suffix (unix: ?socket=…) or a quote/space.
            if SUFFIX and SUFFIX in after:
                path, _, rest = after.partition(SUFFIX)
            else:
                end = len(after)
                for ch in " '\"\n":
                    i = after.find(ch)
                    if i >= 0:
                        end = min(end, i)
                path, rest = after[:end], after[end:]
            out.append(before + 'URI(' + path + ')')
        out.append(rest)
        text = ''.join(out)
    return text


def err_text(e):
    return 'error code=%s domain=%s level=%s msg=%r' % (
        e.get_error_code(), e.get_error_domain(), e.get_error_level(), mask(e.get_error_message()))


def show(label, fn, *args):
    """Calls fn(*args) and prints `label: result` or `label: error …`; returns the result (None on error)."""
    try:
        r = fn(*args)
    except libvirt.libvirtError as e:
        print('%s: %s' % (label, err_text(e)), flush=True)
        return None
    print('%s: %s' % (label, fmt(r)), flush=True)
    return r


def fmt(v):
    if isinstance(v, str):
        return repr(mask(v))
    if isinstance(v, bytes):
        return 'bytes len=%d sha256=%s' % (len(v), hashlib.sha256(v).hexdigest())
    if isinstance(v, (list, tuple)):
        return '[' + ', '.join(fmt(x) for x in v) + ']'
    if isinstance(v, dict):
        return '{' + ', '.join('%s: %s' % (k, fmt(v[k])) for k in sorted(v)) + '}'
    for kind in ('virDomain', 'virNetwork', 'virStoragePool', 'virStorageVol', 'virStream', 'virConnect'):
        if type(v).__name__ == kind:
            name = v.name() if hasattr(v, 'name') and kind != 'virStream' else ''
            return '<%s %s>' % (kind, name)
    return repr(v)


def body(text):
    """Prints a multi-line value (XML) indented under the previous line."""
    if text is None:
        return
    for line in mask(text).splitlines():
        print('    | ' + line)
