"""plugboard_sdk: write Plugboard connector plugins in Python (componentize-py).

Every module imports what it needs at its top: componentize-py captures only
modules imported while the component is built, so a module first imported
inside a function fails at run time (see README.md).
"""

from wit_world.imports.types import (  # noqa: F401 -- the contract's types, re-exported
    Ability, Account, AccountInfo, AccountStatus, Action, Activity, ErrorKind, Finding,
    FindingStatus, Group, GroupMember, Info, Outcome, Page, Record_Account, Record_Activity,
    Record_Group, Record_GroupMember, Record_RoleAssignment, RoleAssignment, Severity,
    StreamInfo, StreamKind,
)

from .connector import Connector  # noqa: F401
from .errors import (  # noqa: F401
    auth_error, config_error, error, not_found_error, permission_error, plugin_error,
    rate_limited_error, to_err, unavailable_error, upstream_error,
)
from .host import config, has_secret, log, now_ms, require_config  # noqa: F401
from .http import (  # noqa: F401
    Errors, check_status, get_json, get_json_with, header, header_all, host, link_rel,
    next_link, parse_json, request, send_with, status_error,
)
from .json import compact, integer, text  # noqa: F401
from .stream import LINK_HEADER, NONE, Catalog, Paginator, Parents, Slice, Stream, with_param  # noqa: F401
