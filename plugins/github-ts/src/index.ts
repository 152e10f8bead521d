// Plugboard connector for a GitHub organization, in TypeScript: members and
// their role (owners hold the privileged admin role), outside collaborators,
// teams and team members. Lists page by the `Link` header (`per_page=100`);
// the host sends the token, paces requests and waits out GitHub's limits.

import {
  Catalog, Stream, connector, host, getJson, requireConfig, text, compact,
  type Errors, type Record, type Slice,
} from '@plugboard/sdk';

const BASE = 'https://api.github.com';
const HEADERS = [
  ['Accept', 'application/vnd.github+json'],
  ['X-GitHub-Api-Version', '2022-11-28'],
] as const;

/** "Resource not accessible by ..." is a missing permission. */
const ERRORS: Errors = {
  message: ['message'],
  refine: (_status, _code, message) =>
    message.toLowerCase().includes('not accessible by') ? 'permission' : undefined,
};

const org = () => requireConfig('org');
const orgUrl = (...segments: string[]) =>
  [BASE, 'orgs', org(), ...segments].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
const listUrl = (segments: string[], query = '') => `${orgUrl(...segments)}?${query}per_page=100`;

/** A GitHub list: a top-level array paged by the `Link` header. */
function githubStream<P>(spec: Omit<ConstructorParameters<typeof Stream<P>>[0], 'app' | 'base'>) {
  return new Stream<P>({ app: 'GitHub', base: BASE, paginator: { kind: 'link-header' }, headers: HEADERS, errors: ERRORS, ...spec });
}

function account(raw: unknown, role: string | undefined, out: Record[]) {
  const login = text(raw, ['login']);
  if (login === undefined) return;
  out.push({
    tag: 'account',
    val: {
      id: login,
      email: text(raw, ['email']),
      displayName: text(raw, ['name']) ?? login,
      status: 'active',
      userType: role === 'admin' ? 'owner' : role ?? 'outside-collaborator',
      createdAt: undefined,
      lastLoginAt: undefined,
      raw: compact(raw),
    },
  });
  if (role === 'admin') {
    out.push({
      tag: 'role-assignment',
      val: { roleId: 'admin', roleName: 'Organization owner', accountId: login, email: undefined, privileged: true, raw: compact(raw) },
    });
  }
}

const members = githubStream<string>({
  name: 'members',
  kind: 'accounts',
  description: 'Members with their role; owners hold the admin role',
  what: 'members page',
  partitions: { list: () => ['admin', 'member'] },
  url: (s: Slice<string>) => listUrl(['members'], `role=${s.parent}&`),
  map: (s: Slice<string>, raw: unknown, out: Record[]) => account(raw, s.parent, out),
});

const outside = githubStream<unknown>({
  name: 'outside-collaborators',
  kind: 'accounts',
  description: 'Outside collaborators',
  what: 'outside collaborators page',
  url: () => listUrl(['outside_collaborators']),
  map: (_s: Slice<unknown>, raw: unknown, out: Record[]) => account(raw, undefined, out),
});

const teams = githubStream<unknown>({
  name: 'teams',
  kind: 'groups',
  description: 'Teams',
  what: 'teams page',
  url: () => listUrl(['teams']),
  map: (_s: Slice<unknown>, raw: unknown, out: Record[]) => {
    const slug = text(raw, ['slug']);
    if (slug === undefined) return;
    out.push({ tag: 'group', val: { id: slug, name: text(raw, ['name']) ?? slug, memberCount: undefined, raw: compact(raw) } });
  },
});

const teamMembers = githubStream<string>({
  name: 'team-members',
  kind: 'groups',
  description: "Team members (child teams' too)",
  what: 'team members page',
  partitions: {
    parents: {
      url: () => listUrl(['teams']),
      records: [],
      paginator: { kind: 'link-header' },
      map: (raw: unknown) => text(raw, ['slug']),
      what: 'teams page',
    },
  },
  url: (s: Slice<string>) => listUrl(['teams', s.parent ?? '', 'members']),
  map: (s: Slice<string>, raw: unknown, out: Record[]) => {
    const login = text(raw, ['login']);
    if (login === undefined || s.parent === undefined) return;
    out.push({ tag: 'group-member', val: { groupId: s.parent, accountId: login, email: text(raw, ['email']) } });
  },
});

const CATALOG = new Catalog('GitHub', [members, outside, teams, teamMembers]);

export const { describe, check, sync, assess, act } = connector({
  describe: () => ({
    id: 'github-ts',
    version: '0.1.0',
    app: 'GitHub',
    abilities: ['account-info', 'users', 'groups', 'admin-roles'],
    streams: CATALOG.infos(),
    actions: [],
  }),
  /** `GET /orgs/{org}`: proves the token reaches the organization. */
  check: () => {
    const o = getJson(orgUrl(), ERRORS);
    return {
      id: text(o, ['login']) ?? org(),
      name: text(o, ['name']),
      plan: text(o, ['plan', 'name']),
      owner: undefined,
      raw: JSON.stringify({ seats: (o as { plan?: { filled_seats?: unknown } })?.plan?.filled_seats ?? null }),
    };
  },
  sync: (stream, cursor) => CATALOG.sync(stream, cursor, host),
  assess: () => [],
  act: (action) => {
    throw new Error(`unknown action ${action.name}`);
  },
});
