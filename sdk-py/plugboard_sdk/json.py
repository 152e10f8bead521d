"""Lenient reading of upstream JSON, like the Rust SDK's ``json::Text``:
an oddly typed value is None, never a failed page."""

import json as _json


def at(value, path):
    """The value at ``path`` (``["plan", "name"]``), or None."""
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def text(value, path):
    """A non-empty string at ``path`` (numbers written as text), or None."""
    v = at(value, path)
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        return v or None
    if isinstance(v, (int, float)):
        return str(v)
    return None


def integer(value, path):
    """An integer at ``path`` (a numeric string too), or None."""
    v = at(value, path)
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v)
    return None


def compact(value) -> str:
    """Compact JSON of an upstream record, for ``raw``."""
    return _json.dumps(value, separators=(",", ":"), ensure_ascii=False)
