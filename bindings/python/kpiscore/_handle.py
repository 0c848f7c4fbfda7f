"""Ownership of C handles: freed once, deterministically or by the collector."""


class Handle:
    """Owns one C object and frees it with its kpi_*_free function.

    Use it as a context manager, or call ``close()``; otherwise the garbage
    collector frees it. Freeing twice is impossible: the pointer is dropped
    the first time.

    A C object that borrows others (a run borrows its plan and metrics)
    lists their handles as ``parents``: a parent closed (or collected) while
    a dependent still lives is only marked closed, and freed when its last
    dependent is, so the order the collector picks never matters.
    """

    __slots__ = ("_ptr", "_free", "_parents", "_children", "_closing")

    def __init__(self, ptr, free, parents=()):
        self._ptr = ptr
        self._free = free
        self._parents = ()
        self._children = 0
        self._closing = False
        for parent in parents:
            self.depend_on(parent)

    def depend_on(self, parent):
        """This C object borrows ``parent``'s: free it first."""
        if parent.closed:
            raise ValueError("cannot borrow from a closed object")
        parent._children += 1
        self._parents += (parent,)

    @property
    def ptr(self):
        if self.closed:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def close(self):
        if self._ptr is None or self._closing:
            return
        self._closing = True
        if not self._children:
            self._release()

    def _release(self):
        ptr, self._ptr = self._ptr, None
        self._free(ptr)
        parents, self._parents = self._parents, ()
        for parent in parents:
            parent._children -= 1
            if not parent._children and parent._closing and parent._ptr is not None:
                parent._release()

    @property
    def closed(self):
        return self._ptr is None or self._closing

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

    def __init__(self, ptr, free, parents=()):
        """``parents``: Owners whose C objects this one borrows (kept and
        freed after it)."""
        self._handle = Handle(ptr, free, [p._handle for p in parents])

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
