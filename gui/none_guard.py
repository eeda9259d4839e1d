"""A guard against PySide6 6.12's lost references to None, True and False on Python 3.11.

Measured with PySide6-Essentials 6.12.0 on CPython 3.11.7: every call of a void Qt method
(``painter.save()``, ``rect.moveCenter(p)``) and every read of an empty QVariant
(``index.data(role)`` answered with None) hands back None without taking a reference to it,
and ``signal.emit()`` does the same with True. Each call so drops one reference; after a few
thousand (seconds of gallery scrolling) a count reaches zero and CPython aborts with "Fatal
Python error: none_dealloc" (or bool_dealloc). PySide6 6.11.3 does neither. On Python 3.12
and later these objects are immortal (PEP 683) and the bug is harmless; the guard does the
same for 3.11: when a probe shows the leak, it gives them reference counts no program can use
up, which is how 3.12 treats every immortal object.
"""

from __future__ import annotations

import ctypes
import sys

# 2**40 spare references: at a million leaked references a second, enough for 12 days.
SPARE_REFERENCES = 1 << 40
PROBE_CALLS = 64

_guarded = False


def binding_leaks_singletons() -> bool:
    """True when a void Qt call drops a reference to None or an emit one to True."""
    from PySide6.QtCore import QObject, QPoint, Signal

    class _Probe(QObject):
        ping = Signal()

    point = QPoint()
    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(PROBE_CALLS):
        point.setX(1)
        probe.ping.emit()
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    return max(lost_none, lost_true) > PROBE_CALLS // 2


def guard_none() -> bool:
    """Make None, True and False immortal in practice when the Qt binding leaks them."""
    global _guarded
    if _guarded or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _guarded
    if not binding_leaks_singletons():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t), at id(obj).
        ctypes.c_ssize_t.from_address(id(singleton)).value += SPARE_REFERENCES
    _guarded = True
    return True
