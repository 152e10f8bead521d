"""HTTP through the host and the pure mappings around it (usable in native
tests): statuses and host refusals to errors by blame, headers, ``Link``."""

import json as _json
import re
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple
from urllib.parse import urljoin

from componentize_py_types import Err
from wit_world.imports import http as _host
from wit_world.imports.http import Method, Request, Response
from wit_world.imports.types import ErrorKind

from .errors import error, plugin_error, upstream_error
from .json import at

MAX_QUOTE = 300

Transport = Callable[[Request], Response]


@dataclass
class Errors:
    """An app's error bodies: where its message and code are, and a refinement of the blame."""

    message: List[str] = field(default_factory=lambda: ["message"])
    code: List[str] = field(default_factory=list)
    refine: Optional[Callable[[int, Optional[str], str], Optional[ErrorKind]]] = None


def request(method: Method, url: str) -> Request:
    """A request with ``Accept: application/json``."""
    return Request(method=method, url=url, headers=[("Accept", "application/json")], secret_headers=[], body=None)


def header(response: Response, name: str) -> Optional[str]:
    """The first value of header ``name``."""
    lower = name.lower()
    return next((v for k, v in response.headers if k == lower), None)


def header_all(response: Response, name: str) -> List[str]:
    """Every value of header ``name``, in the order the upstream sent them."""
    lower = name.lower()
    return [v for k, v in response.headers if k == lower]


_LINK = re.compile(r"^\s*<([^>]*)>(.*)$")
_REL = re.compile(r";\s*rel\s*=\s*\"?([^\";]*)\"?", re.IGNORECASE)


def link_rel(value: str, rel: str) -> Optional[str]:
    """The target of relation ``rel`` in one ``Link`` header value."""
    for part in value.split(","):
        m = _LINK.match(part)
        if not m:
            continue
        rels = [r for found in _REL.findall(m.group(2)) for r in found.split()]
        if any(r.lower() == rel for r in rels):
            return m.group(1)
    return None


def next_link(response: Response) -> Optional[str]:
    """The ``rel="next"`` target among every ``Link`` line, resolved against the answering URL."""
    for value in header_all(response, "link"):
        target = link_rel(value, "next")
        if target is not None:
            return urljoin(response.url, target) if response.url else target
    return None


def parse_json(body: bytes, what: str = "answer", app: str = "the upstream"):
    """Parse a body as JSON; a malformed one is the upstream's fault."""
    try:
        return _json.loads(body)
    except ValueError as e:
        raise upstream_error(f"{app} answered a malformed {what}: {e}") from None


def status_kind(status: int) -> ErrorKind:
    """401 auth, 403 permission, 404 not-found, 429 rate-limited, else upstream."""
    return {
        401: ErrorKind.AUTH,
        403: ErrorKind.PERMISSION,
        404: ErrorKind.NOT_FOUND,
        429: ErrorKind.RATE_LIMITED,
    }.get(status, ErrorKind.UPSTREAM)


def status_error(response: Response, errors: Optional[Errors] = None) -> Err:
    """The error for a non-2xx answer, quoting the upstream's message (cut to 300 characters)."""
    errors = errors or Errors()
    body_text = response.body.decode("utf-8", "replace")
    try:
        body = _json.loads(body_text)
    except ValueError:
        body = None

    def pick(path):
        v = at(body, path) if path else None
        return str(v) if isinstance(v, (str, int, float)) and not isinstance(v, bool) else None

    code = pick(errors.code)
    message = next(
        (m for m in (pick(errors.message), pick(["message"]), pick(["error_description"]), pick(["reason"]), pick(["error"])) if m),
        body_text.strip(),
    )
    quoted = (f"{message} ({code})" if code else message)[:MAX_QUOTE]
    kind = (errors.refine(response.status, code, message) if errors.refine else None) or status_kind(response.status)
    return error(kind, f"HTTP {response.status} from {response.url}: {quoted}")


def check_status(response: Response, errors: Optional[Errors] = None) -> Response:
    """The response when 2xx, else raises its error."""
    if 200 <= response.status < 300:
        return response
    raise status_error(response, errors)


def error_from_http(e) -> Err:
    """A host refusal as an error by blame (denied and invalid are the plugin's fault)."""
    name = type(e).__name__.split("_", 1)[-1]
    detail = getattr(e, "value", "")
    if name in ("Denied", "Invalid"):
        return plugin_error(f"the host refused the request ({name.lower()}): {detail}")
    if name == "RateLimited":
        return error(ErrorKind.RATE_LIMITED, detail)
    if name == "Auth":
        return error(ErrorKind.AUTH, detail)
    what = {"Timeout": "the upstream did not answer in time", "TooLarge": "the answer exceeded the host's size cap"}
    return upstream_error(what.get(name, f"network failure: {detail}"))


def send_with(net: Transport, req: Request) -> Response:
    """Call ``net``; a host refusal (``Err(http-error)``) becomes an error by blame."""
    try:
        return net(req)
    except Err as e:
        if type(e.value).__name__.startswith("HttpError_"):
            raise error_from_http(e.value) from None
        raise


def host(req: Request) -> Response:
    """The host as a transport (only inside a component)."""
    return _host.send(req)


def get_json_with(net: Transport, url: str, errors: Optional[Errors] = None):
    """GET ``url``, check for 2xx, parse JSON."""
    return parse_json(check_status(send_with(net, request(Method.GET, url)), errors).body)


def get_json(url: str, errors: Optional[Errors] = None):
    """GET ``url`` through the host, check for 2xx, parse JSON."""
    return get_json_with(host, url, errors)


Headers = List[Tuple[str, str]]
