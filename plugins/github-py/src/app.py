"""Plugboard connector for a GitHub organization, in Python: members and
their role (owners hold the privileged admin role), outside collaborators,
teams and team members. Lists page by the ``Link`` header (``per_page=100``);
the host sends the token, paces requests and waits out GitHub's limits."""

import json
from urllib.parse import quote

from plugboard_sdk import (
    LINK_HEADER, Ability, Account, AccountInfo, AccountStatus, Catalog, Connector, Errors,
    ErrorKind, Group, GroupMember, Info, Page, Parents, Record_Account, Record_Group,
    Record_GroupMember, Record_RoleAssignment, RoleAssignment, Stream, StreamKind, compact,
    config_error, get_json, host, require_config, text,
)

BASE = "https://api.github.com"
HEADERS = [("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28")]
ERRORS = Errors(
    message=["message"],
    refine=lambda status, code, message: ErrorKind.PERMISSION if "not accessible by" in message.lower() else None,
)


def org_url(*segments: str) -> str:
    return "/".join([BASE, "orgs"] + [quote(s, safe="") for s in (require_config("org"),) + segments])


def list_url(segments, query: str = "") -> str:
    return f"{org_url(*segments)}?{query}per_page=100"


def github_stream(**spec) -> Stream:
    """A GitHub list: a top-level array paged by the ``Link`` header."""
    return Stream(app="GitHub", base=BASE, paginator=LINK_HEADER, headers=HEADERS, errors=ERRORS, **spec)


def account(raw, role, out: list) -> None:
    login = text(raw, ["login"])
    if login is None:
        return
    user_type = "owner" if role == "admin" else role or "outside-collaborator"
    out.append(Record_Account(Account(
        id=login, email=text(raw, ["email"]), display_name=text(raw, ["name"]) or login,
        status=AccountStatus.ACTIVE, user_type=user_type, created_at=None, last_login_at=None,
        raw=compact(raw),
    )))
    if role == "admin":
        out.append(Record_RoleAssignment(RoleAssignment(
            role_id="admin", role_name="Organization owner", account_id=login, email=None,
            privileged=True, raw=compact(raw),
        )))


def team(_slice, raw, out: list) -> None:
    slug = text(raw, ["slug"])
    if slug is not None:
        out.append(Record_Group(Group(id=slug, name=text(raw, ["name"]) or slug, member_count=None, raw=compact(raw))))


def member(slice_, raw, out: list) -> None:
    login = text(raw, ["login"])
    if login is not None and slice_.parent is not None:
        out.append(Record_GroupMember(GroupMember(group_id=slice_.parent, account_id=login, email=text(raw, ["email"]))))


CATALOG = Catalog("GitHub", [
    github_stream(
        name="members", kind=StreamKind.ACCOUNTS, what="members page",
        description="Members with their role; owners hold the admin role",
        partitions=lambda: ["admin", "member"],
        url=lambda s: list_url(["members"], f"role={s.parent}&"),
        map=lambda s, raw, out: account(raw, s.parent, out),
    ),
    github_stream(
        name="outside-collaborators", kind=StreamKind.ACCOUNTS, what="outside collaborators page",
        description="Outside collaborators", url=lambda s: list_url(["outside_collaborators"]),
        map=lambda s, raw, out: account(raw, None, out),
    ),
    github_stream(
        name="teams", kind=StreamKind.GROUPS, what="teams page", description="Teams",
        url=lambda s: list_url(["teams"]), map=team,
    ),
    github_stream(
        name="team-members", kind=StreamKind.GROUPS, what="team members page",
        description="Team members (child teams' too)",
        parents=Parents(url=lambda: list_url(["teams"]), map=lambda raw: text(raw, ["slug"]),
                        paginator=LINK_HEADER, what="teams page"),
        url=lambda s: list_url(["teams", s.parent or "", "members"]), map=member,
    ),
])


class WitWorld(Connector):
    def describe(self) -> Info:
        return Info(
            id="github-py", version="0.1.0", app="GitHub",
            abilities=[Ability.ACCOUNT_INFO, Ability.USERS, Ability.GROUPS, Ability.ADMIN_ROLES],
            streams=CATALOG.infos(), actions=[],
        )

    def check(self) -> AccountInfo:
        """``GET /orgs/{org}``: proves the token reaches the organization."""
        o = get_json(org_url(), ERRORS)
        seats = o.get("plan", {}).get("filled_seats") if isinstance(o, dict) else None
        return AccountInfo(
            id=text(o, ["login"]) or require_config("org"), name=text(o, ["name"]),
            plan=text(o, ["plan", "name"]), owner=None, raw=json.dumps({"seats": seats}),
        )

    def sync(self, stream: str, cursor) -> Page:
        return CATALOG.sync(stream, cursor, host)

    def assess(self):
        return []

    def act(self, action):
        raise config_error(f"unknown action `{action.name}`")
