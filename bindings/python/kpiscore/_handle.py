"""Ownership of C handles: freed once, deterministically or by the collector."""


class Handle:
    """Owns one C object and frees it with its kpi_*_free function.

    Use it as a context manager, or call ``close()``; otherwise the garbage
    collector frees it. Freeing twice is impossible: the pointer is dropped
    the first time.
    """

    __slots__ = ("_ptr", "_free")

    def __init__(self, ptr, free):
        self._ptr = ptr
        self._free = free

    @property
    def ptr(self):
        if self._ptr is None:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def close(self):
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._free(ptr)

    @property
    def closed(self):
        return self._ptr is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: module globals may be gone
            pass


class Owner:
    """Base of the Pythonic classes that own one C object (a Schedule, a
    TierTable...): ``with`` closes it, ``close()`` frees it now, and the
    garbage collector frees it otherwise, once."""

    __slots__ = ("_handle",)

    def __init__(self, ptr, free):
        self._handle = Handle(ptr, free)

    @property
    def _ptr(self):
        try:
            return self._handle.ptr
        except ValueError as e:
            detail = "" if isinstance(self._handle, Handle) else f" ({e})"
            raise ValueError(f"{type(self).__name__} is closed{detail}") from None

    def close(self):
        """Frees the C object now; later calls raise ValueError."""
        self._handle.close()

    @property
    def closed(self):
        return self._handle.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class Borrowed:
    """A pointer into an object another Python object owns (a plan's
    rubric, a run's scorecard). Nothing to free; it keeps the owner alive,
    and it is usable while the owner is open and, when the owner counts
    ``_generation`` (a run re-evaluated), until the owner's results change."""

    __slots__ = ("_raw", "_owner", "_generation")

    def __init__(self, ptr, owner):
        self._raw = ptr
        self._owner = owner
        self._generation = getattr(owner, "_generation", 0)

    @property
    def ptr(self):
        if self.closed:
            raise ValueError("the object it belongs to was closed or re-evaluated")
        return self._raw

    def close(self):
        self._raw = None

    @property
    def closed(self):
        owner = self._owner
        return (self._raw is None or owner.closed
                or getattr(owner, "_generation", 0) != self._generation)


def borrowed(cls, ptr, owner):
    """An instance of the Owner subclass ``cls`` viewing ``ptr``, which
    ``owner`` owns: closing it or collecting it frees nothing."""
    obj = cls.__new__(cls)
    obj._handle = Borrowed(ptr, owner)
    return obj
