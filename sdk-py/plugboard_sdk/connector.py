"""``Connector``: the base class of a plugin's ``WitWorld``. It turns every
exception escaping ``check``, ``sync``, ``assess`` and ``act`` into the
contract's error record: SDK errors keep their kind, any other exception
(a bug) becomes a ``plugin`` error keeping its type, message and frames."""

import functools

from wit_world import WitWorld

from .errors import to_err

_GUARDED = ("check", "sync", "assess", "act")


def _guard(f):
    @functools.wraps(f)
    def call(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except Exception as e:  # every exception: the operator sees it, blamed on the plugin
            raise to_err(e) from None

    return call


class Connector(WitWorld):
    """Subclass as ``class WitWorld(Connector)`` in your ``app`` module."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in _GUARDED:
            if name in cls.__dict__:
                setattr(cls, name, _guard(cls.__dict__[name]))
