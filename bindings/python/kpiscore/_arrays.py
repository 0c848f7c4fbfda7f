"""Arrays across the boundary: buffers in place, sequences converted once.

An object with the buffer protocol (numpy array, ``array.array``,
``memoryview``) is handed to C as it is: the C side reads (or writes) the
caller's memory, and the interface checks its type and shape (TypeError).
Any other sequence is converted into a new ``array.array`` first.
"""

import array as _array
import operator as _operator

try:  # numpy is optional: outputs follow the input's kind
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is in the project's venv
    _np = None

from .numbers import to_dec

_ITEMSIZE = {"q": 8, "i": 4, "I": 4, "B": 1, "d": 8}
_NP_DTYPE = {"q": "int64", "i": "int32", "I": "uint32", "B": "uint8", "d": "float64"}


def is_buffer(obj):
    """True for objects with the buffer protocol."""
    try:
        memoryview(obj).release()
    except TypeError:
        return False
    return True


def is_numpy(obj):
    return _np is not None and isinstance(obj, _np.ndarray)


def count(buf):
    """Number of items of a one-dimensional buffer."""
    with memoryview(buf) as view:
        return view.shape[0] if view.ndim else 1


def new(typecode, n, like=None):
    """A zeroed array of n items: numpy when ``like`` is a numpy array, else
    ``array.array``."""
    if is_numpy(like):
        return _np.zeros(n, dtype=_NP_DTYPE[typecode])
    return _array.array(typecode, bytes(_ITEMSIZE[typecode] * n))


def integers(values, typecode="q"):
    """A buffer of integers: a buffer as it is, or a sequence of ints
    (numpy integers too) converted; floats and bools are refused."""
    if values is None or is_buffer(values):
        return values
    out = _array.array(typecode)
    for v in values:
        if isinstance(v, (bool, float)):
            raise TypeError(f"expected integers, not {type(v).__name__}")
        out.append(_operator.index(v))
    return out


def flags(values):
    """A uint8 buffer of 0/1 from a buffer (uint8/bool) or a sequence of truth values."""
    if values is None or is_buffer(values):
        return values
    return _array.array("B", [1 if v else 0 for v in values])


def decimals(values):
    """Library decimals: a buffer holds them already (int64 of 10^-9
    units, read in place); a sequence of Decimal/str/int is converted."""
    if values is None or is_buffer(values):
        return values
    return _array.array("q", [to_dec(v) for v in values])


def matrix(values, convert, typecode):
    """(flat buffer, rows, columns) of a 2-D C-contiguous numpy array (a
    view, no copy) or a sequence of equal-length sequences (converted)."""
    if is_numpy(values):
        if values.ndim != 2 or not values.flags["C_CONTIGUOUS"]:
            raise TypeError("expected a two-dimensional C-contiguous array (agents x periods)")
        return values.reshape(-1), values.shape[0], values.shape[1]
    rows = [list(r) for r in values]
    width = len(rows[0]) if rows else 0
    if any(len(r) != width for r in rows):
        raise ValueError("every agent needs the same number of periods")
    return _array.array(typecode, [convert(v) for r in rows for v in r]), len(rows), width


def choice(table, value, what):
    """The library constant for a name in ``table`` (or the constant itself)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in table.values():
        return value
    try:
        return table[value]
    except (KeyError, TypeError):
        raise ValueError(f"{what} must be one of {', '.join(map(repr, table))}, not {value!r}") from None
