"""The host's other imports (only inside a component): settings, secrets' presence, logs, time."""

from typing import Optional

from wit_world.imports import clock as _clock
from wit_world.imports import config as _config
from wit_world.imports import log as _log
from wit_world.imports import secrets as _secrets
from wit_world.imports.log import Level

from .errors import config_error


def config(key: str) -> Optional[str]:
    """Instance setting ``key``, or None when unset."""
    return _config.get(key)


def require_config(key: str) -> str:
    """Instance setting ``key``; unset is an ``invalid-config`` error naming it."""
    v = _config.get(key)
    if not v:
        raise config_error(f"the setting `{key}` is required")
    return v


def has_secret(name: str) -> bool:
    """Whether the instance has a value for secret ``name`` (never the value)."""
    return _secrets.exists(name)


def now_ms() -> int:
    """Milliseconds since the Unix epoch, from the host."""
    return _clock.now_ms()


def log(level: Level, message: str) -> None:
    """One structured log line, attributed to the plugin and instance by the host."""
    _log.emit(level, message)
