"""Exceptions raised by kpiscore: one class per library status code.

Every exception carries what the C library's error record says:
``code``, ``message``, ``source`` (file), ``line``, ``column``, ``offset``
(byte) and ``path`` (JSON path in a plan). ``str(exc)`` is the whole record
as ``source:line:column: path: message``.
"""

from . import capi as _capi

__all__ = [
    "Error", "InvalidArgumentError", "ParseError", "PlanError", "InputError",
    "OutOfRangeError", "OverflowError", "NotFoundError", "VersionError",
    "CorruptStateError", "LimitError", "FileError", "MismatchError",
    "NotAvailableError", "DuplicateError", "OutOfMemoryError",
]


class Error(Exception):
    """Base of every kpiscore error."""

    code = 0
    message = ""
    source = ""
    line = 0
    column = 0
    offset = -1
    path = ""

    @property
    def status_name(self):
        """The library's name of the status code, e.g. "invalid plan"."""
        return _capi.kpi_status_str(self.code)


class InvalidArgumentError(Error, ValueError):
    """A call received an argument it cannot use (KPI_EINVAL)."""


class InputError(Error, ValueError):
    """Input data is invalid for the rule it feeds (KPI_EINPUT)."""


class ParseError(InputError):
    """Text is not well formed: a number, JSON, CSV (KPI_EPARSE)."""


class PlanError(Error, ValueError):
    """A plan is well formed but does not make sense (KPI_EPLAN)."""


class OutOfRangeError(InputError):
    """A value lies outside its allowed range (KPI_ERANGE)."""


class OverflowError(Error, ArithmeticError):  # noqa: A001 - the library's own overflow
    """An exact result does not fit its type (KPI_EOVERFLOW)."""


class NotFoundError(Error, LookupError):
    """An unknown agent, metric, label, tier or name (KPI_ENOTFOUND)."""


class VersionError(Error):
    """Library, plan or state version not supported (KPI_EVERSION)."""


class CorruptStateError(Error, ValueError):
    """Serialised state is truncated, corrupt or fails its checksum (KPI_ECORRUPT)."""


class LimitError(Error):
    """A configured safety limit was exceeded (KPI_ELIMIT)."""


class FileError(Error, OSError):
    """A file could not be read or written (KPI_EIO)."""


class MismatchError(Error, ValueError):
    """Objects built with different parameters cannot be combined (KPI_EMISMATCH)."""


class NotAvailableError(Error):
    """The value is not available: no data, zero denominator (KPI_ENA)."""


class DuplicateError(InputError):
    """A key that must be unique appears twice (KPI_EDUPLICATE)."""


class OutOfMemoryError(Error, MemoryError):
    """The library could not allocate memory (KPI_ENOMEM)."""


_BY_CODE = {
    _capi.KPI_EINVAL: InvalidArgumentError,
    _capi.KPI_EPARSE: ParseError,
    _capi.KPI_EPLAN: PlanError,
    _capi.KPI_ERANGE: OutOfRangeError,
    _capi.KPI_EOVERFLOW: OverflowError,
    _capi.KPI_ENOMEM: OutOfMemoryError,
    _capi.KPI_ENOTFOUND: NotFoundError,
    _capi.KPI_EVERSION: VersionError,
    _capi.KPI_ECORRUPT: CorruptStateError,
    _capi.KPI_ELIMIT: LimitError,
    _capi.KPI_EIO: FileError,
    _capi.KPI_EMISMATCH: MismatchError,
    _capi.KPI_ENA: NotAvailableError,
    _capi.KPI_EDUPLICATE: DuplicateError,
    _capi.KPI_EINPUT: InputError,
}

_capi.set_error_classes(_BY_CODE)
