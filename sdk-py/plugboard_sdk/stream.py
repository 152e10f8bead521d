"""Declarative streams, mirroring the Rust SDK's ``stream`` module: a request
template, a record path, a paginator, optional partitions (a fixed list or
parents read from another endpoint) and a mapping from one upstream record
to contract records. ``sync`` makes exactly one request per call and owns the
cursor's format."""

import json as _json
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple
from urllib.parse import quote

from wit_world.imports.http import Method, Response
from wit_world.imports.types import Page, StreamInfo, StreamKind

from .errors import config_error, plugin_error, upstream_error
from .http import Errors, Transport, check_status, next_link, parse_json, request, send_with
from .json import at


@dataclass(frozen=True)
class Paginator:
    """How pages follow one another: use ``NONE``, ``token(...)``, ``next_link(...)`` or ``LINK_HEADER``."""

    kind: str = "none"
    at: Tuple[str, ...] = ()
    param: str = ""

    @staticmethod
    def token(at: Sequence[str], param: str) -> "Paginator":
        """A token in the body at ``at``, sent back as query parameter ``param``."""
        return Paginator("token", tuple(at), param)

    @staticmethod
    def next_link(at: Sequence[str]) -> "Paginator":
        """A full URL in the body at ``at``, followed under the base."""
        return Paginator("next-link", tuple(at))


NONE = Paginator()
LINK_HEADER = Paginator("link-header")


@dataclass
class Slice:
    """What one request is for: the current partition (None when unpartitioned)."""

    parent: Any = None


@dataclass
class Parents:
    """Parents read from another endpoint; all parents are listed first."""

    url: Callable[[], str]
    map: Callable[[Any], Any]
    records: Sequence[str] = ()
    paginator: Paginator = NONE
    what: str = "parents page"


@dataclass
class Stream:
    """A declarative stream."""

    name: str
    kind: StreamKind
    description: str
    app: str
    base: str
    url: Callable[[Slice], str]
    map: Callable[[Slice, Any, list], None]
    records: Sequence[str] = ()
    paginator: Paginator = NONE
    partitions: Optional[Callable[[], list]] = None
    parents: Optional[Parents] = None
    headers: Sequence[Tuple[str, str]] = ()
    errors: Errors = field(default_factory=Errors)
    on_error: Optional[Callable[[Exception], Exception]] = None
    what: str = ""

    def info(self) -> StreamInfo:
        return StreamInfo(name=self.name, kind=self.kind, description=self.description)

    def sync(self, cursor: Optional[str], net: Transport) -> Page:
        """One page from ``cursor``: exactly one request through ``net``."""
        pos = self._position(cursor)
        if self.parents is not None and ("parents" not in pos or "listing" in pos):
            return self._list_parents(pos, net)
        if self.partitions is not None and "parents" not in pos:
            pos["parents"] = list(self.partitions())
        partitioned = self.parents is not None or self.partitions is not None
        if partitioned and not pos.get("parents"):
            return Page(records=[], cursor=None, more=False)
        slice_ = Slice(parent=pos["parents"][0] if partitioned else None)
        first = self.url(slice_)
        url = first
        if "next" in pos:
            url = with_param(first, self.paginator.param, pos["next"]) if self.paginator.kind == "token" else pos["next"]
        response = self._get(url, net)
        what = self.what or f"{self.name} page"
        body = parse_json(response.body, what, self.app)
        records: list = []
        for raw in self._items(body, self.records, what):
            self.map(slice_, raw, records)
        nxt = self._next(self.paginator, body, response)
        if nxt is not None:
            return _more(records, {**pos, "next": nxt})
        if partitioned and len(pos["parents"]) > 1:
            return _more(records, {"parents": pos["parents"][1:]})
        return Page(records=records, cursor=None, more=False)

    def parse_page(self, body: bytes, slice_: Optional[Slice] = None) -> list:
        """One page body through the record path and mapping, without a network (native tests)."""
        what = self.what or f"{self.name} page"
        records: list = []
        for raw in self._items(parse_json(body, what, self.app), self.records, what):
            self.map(slice_ or Slice(), raw, records)
        return records

    def _position(self, cursor):
        if cursor is None:
            return {}
        try:
            pos = _json.loads(cursor)
        except ValueError as e:
            raise plugin_error(f"cannot read the `{self.name}` cursor ({e}); reset the stream's checkpoint") from None
        if not isinstance(pos, dict) or set(pos) - {"parents", "listing", "next"}:
            raise plugin_error(f"the `{self.name}` cursor is not this plugin's; reset the stream's checkpoint")
        return pos

    def _get(self, url: str, net: Transport) -> Response:
        req = request(Method.GET, url)
        for k, v in self.headers:
            req.headers = [h for h in req.headers if h[0].lower() != k.lower()] + [(k, v)]
        try:
            return check_status(send_with(net, req), self.errors)
        except Exception as e:
            if self.on_error is not None:
                raise self.on_error(e) from None
            raise

    def _list_parents(self, pos, net: Transport) -> Page:
        p = self.parents
        response = self._get(pos.get("listing") or p.url(), net)
        body = parse_json(response.body, p.what, self.app)
        found = [x for x in (p.map(raw) for raw in self._items(body, p.records, p.what)) if x is not None]
        parents = pos.get("parents", []) + found
        listing = self._next(p.paginator, body, response)
        if listing is not None:
            return _more([], {"parents": parents, "listing": listing})
        if not parents:
            return Page(records=[], cursor=None, more=False)
        return _more([], {"parents": parents})

    def _items(self, body, path, what) -> list:
        items = at(body, path) if path else body
        if items is None:
            return []
        if not isinstance(items, list):
            where = f"`{'.'.join(path)}`" if path else "the page"
            raise upstream_error(f"{self.app} answered a malformed {what}: {where} is not a list")
        return items

    def _next(self, paginator: Paginator, body, response: Response) -> Optional[str]:
        if paginator.kind == "token":
            v = at(body, paginator.at)
            token = str(v) if isinstance(v, (str, int)) and not isinstance(v, bool) else None
            return token or None
        if paginator.kind == "next-link":
            v = at(body, paginator.at)
            return self._under_base(v) if isinstance(v, str) and v else None
        if paginator.kind == "link-header":
            link = next_link(response)
            return self._under_base(link) if link else None
        return None

    def _under_base(self, link: str) -> str:
        base = self.base.rstrip("/")
        if link == base or link.startswith(base + "/") or link.startswith(base + "?"):
            return link
        raise upstream_error(f"{self.app} sent a next link outside {base}: {link[:200]}")


def _more(records: list, pos: dict) -> Page:
    return Page(records=records, cursor=_json.dumps(pos, separators=(",", ":")), more=True)


def with_param(url: str, key: str, value: str) -> str:
    """``url`` with ``key=value`` appended (percent-encoded), replacing an earlier ``key``."""
    path, _, query = url.partition("?")
    k = quote(key, safe="")
    pairs = [p for p in query.split("&") if p and p.split("=")[0] != k]
    pairs.append(f"{k}={quote(value, safe='')}")
    return f"{path}?{'&'.join(pairs)}"


@dataclass
class Catalog:
    """Every stream of a plugin."""

    app: str
    streams: List[Stream]

    def infos(self) -> List[StreamInfo]:
        return [s.info() for s in self.streams]

    def sync(self, name: str, cursor: Optional[str], net: Transport) -> Page:
        """One page of the stream called ``name``; an unknown name is the operator's."""
        for s in self.streams:
            if s.name == name:
                return s.sync(cursor, net)
        raise config_error(f"the {self.app} connector has no stream `{name}`")
