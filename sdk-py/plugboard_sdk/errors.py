"""Errors by blame, mirroring the Rust SDK's ``Error::auth / permission / ...``.

Raise one from ``check``, ``sync``, ``assess`` or ``act``: the component
returns it as the contract's ``error`` record and the host blames the party
the kind names. Any other exception escaping those exports becomes a
``plugin`` error keeping its type, message and last frames (see
``Connector``).
"""

import traceback

from componentize_py_types import Err
from wit_world.imports.types import Error, ErrorKind

MAX_MESSAGE = 2000


def error(kind: ErrorKind, message: str) -> Err:
    """An error of ``kind``: ``raise error(ErrorKind.UPSTREAM, "...")``."""
    return Err(Error(kind=kind, message=str(message)[:MAX_MESSAGE]))


def auth_error(message: str) -> Err:
    """Credentials are wrong, expired or consent is missing."""
    return error(ErrorKind.AUTH, message)


def permission_error(message: str) -> Err:
    """The credentials are valid but lack a permission or scope."""
    return error(ErrorKind.PERMISSION, message)


def not_found_error(message: str) -> Err:
    """The requested object does not exist upstream."""
    return error(ErrorKind.NOT_FOUND, message)


def rate_limited_error(message: str) -> Err:
    """The upstream throttled us and the host's retries ran out."""
    return error(ErrorKind.RATE_LIMITED, message)


def upstream_error(message: str) -> Err:
    """The upstream failed or answered something unexpected."""
    return error(ErrorKind.UPSTREAM, message)


def config_error(message: str) -> Err:
    """The instance configuration is wrong (a missing or bad setting)."""
    return error(ErrorKind.INVALID_CONFIG, message)


def unavailable_error(message: str) -> Err:
    """The tenant lacks the licence or plan for this data."""
    return error(ErrorKind.UNAVAILABLE, message)


def plugin_error(message: str) -> Err:
    """A bug in the plugin itself."""
    return error(ErrorKind.PLUGIN, message)


def kind_of(e: BaseException):
    """The kind of an SDK error, or None for any other exception."""
    if isinstance(e, Err) and isinstance(e.value, Error):
        return e.value.kind
    return None


def to_err(e: BaseException) -> Err:
    """Any exception as a contract error: SDK errors keep their kind, others become ``plugin``."""
    if isinstance(e, Err) and isinstance(e.value, Error):
        return e
    frames = traceback.extract_tb(e.__traceback__)[-3:]
    where = " < ".join(f"{f.name}@{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in reversed(frames))
    text = f"uncaught exception: {type(e).__name__}: {e}" + (f" (at {where})" if where else "")
    return plugin_error(text)
