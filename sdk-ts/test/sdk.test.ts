// Native tests of the SDK's pure parts (no component, no host): run with
// `npm test` (build.mjs transpiles src/ and test/ and runs node's test runner).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, Stream } from '../src/stream.js';
import { PluginError, toContractError } from '../src/error.js';
import { checkStatus, linkRel, nextLink, sendWith, type Request, type Response } from '../src/http.js';
import type { Record } from 'plugboard:connector/types@0.2.0';

const enc = new TextEncoder();
const ok = (url: string, body: unknown, headers: [string, string][] = []): Response => ({
  status: 200, headers, body: enc.encode(JSON.stringify(body)), url,
});
const ids = (records: Record[]) => records.map((r) => (r.tag === 'account' ? r.val.id : r.tag));

const account = (raw: unknown, out: Record[]) => {
  const id = (raw as { id?: unknown }).id;
  if (typeof id !== 'string') return;
  out.push({ tag: 'account', val: { id, email: undefined, displayName: undefined, status: 'active', userType: undefined, createdAt: undefined, lastLoginAt: undefined, raw: '{}' } });
};

test('a token paginator sends the token back and ends at a missing token', () => {
  const users = new Stream({
    name: 'users', kind: 'accounts', description: 'd', app: 'Acme', base: 'https://api.acme.test/v1',
    url: () => 'https://api.acme.test/v1/users?limit=2', records: ['data'],
    paginator: { kind: 'token', at: ['next_cursor'], param: 'cursor' },
    map: (_s, raw, out) => account(raw, out),
  });
  const seen: string[] = [];
  const net = (req: Request) => {
    seen.push(req.url);
    return req.url.endsWith('cursor=c%202')
      ? ok(req.url, { data: [{ id: 'u3' }], next_cursor: null })
      : ok(req.url, { data: [{ id: 'u1' }, { name: 'no id' }, { id: 'u2' }], next_cursor: 'c 2' });
  };
  const catalog = new Catalog('Acme', [users]);
  const first = catalog.sync('users', undefined, net);
  assert.deepEqual([ids(first.records), first.more], [['u1', 'u2'], true]);
  const last = catalog.sync('users', first.cursor, net);
  assert.deepEqual([ids(last.records), last.more, last.cursor], [['u3'], false, undefined]);
  assert.deepEqual(seen, ['https://api.acme.test/v1/users?limit=2', 'https://api.acme.test/v1/users?limit=2&cursor=c%202']);
  assert.throws(() => catalog.sync('groups', undefined, net), (e: PluginError) => e.kind === 'invalid-config');
});

test('parents are listed first (paged by Link), then each parent is one slice paged by Link', () => {
  const members = new Stream<string>({
    name: 'team-members', kind: 'groups', description: 'd', app: 'Hub', base: 'https://hub.test',
    url: (s) => `https://hub.test/teams/${s.parent}/members`,
    paginator: { kind: 'link-header' },
    partitions: { parents: { url: () => 'https://hub.test/teams', records: [], paginator: { kind: 'link-header' }, map: (raw) => (raw as { slug?: string }).slug, what: 'teams page' } },
    map: (s, raw, out) => out.push({ tag: 'group-member', val: { groupId: s.parent ?? '', accountId: String((raw as { login: string }).login), email: undefined } }),
  });
  const pages: { [url: string]: Response } = {
    'https://hub.test/teams': ok('https://hub.test/teams', [{ slug: 'a' }], [['link', '<https://hub.test/teams?page=2>; rel="next"']]),
    'https://hub.test/teams?page=2': ok('https://hub.test/teams?page=2', [{ slug: 'b' }, { name: 'no slug' }]),
    'https://hub.test/teams/a/members': ok('https://hub.test/teams/a/members', [{ login: 'x' }], [['link', '<https://hub.test/teams/a/members?page=2>; rel="next", <https://hub.test/teams/a/members?page=1>; rel="first"']]),
    'https://hub.test/teams/a/members?page=2': ok('https://hub.test/teams/a/members?page=2', [{ login: 'y' }]),
    'https://hub.test/teams/b/members': ok('https://hub.test/teams/b/members', [{ login: 'x' }]),
  };
  const net = (req: Request) => pages[req.url] ?? assert.fail(`unexpected ${req.url}`);
  let cursor: string | undefined;
  const got: string[] = [];
  for (let calls = 0; calls < 10; calls++) {
    const page = members.sync(cursor, net);
    for (const r of page.records) if (r.tag === 'group-member') got.push(`${r.val.groupId}:${r.val.accountId}`);
    cursor = page.cursor;
    if (!page.more) break;
  }
  assert.deepEqual(got, ['a:x', 'a:y', 'b:x']);
  assert.equal(cursor, undefined);
});

test('a next link outside the base is refused as the upstream\'s fault', () => {
  const s = new Stream({ name: 'u', kind: 'accounts', description: 'd', app: 'Hub', base: 'https://hub.test/v1', url: () => 'https://hub.test/v1/u', paginator: { kind: 'next-link', at: ['next'] }, records: ['items'], map: () => {} });
  const net = (req: Request) => ok(req.url, { items: [], next: 'https://evil.test/v1/u?page=2' });
  assert.throws(() => s.sync(undefined, net), (e: PluginError) => e.kind === 'upstream' && e.message.includes('outside'));
  assert.throws(() => s.sync('{"bogus":1}', net), (e: PluginError) => e.kind === 'plugin');
});

test('statuses and host refusals map to errors by blame', () => {
  const answer = (status: number, body: string): Response => ({ status, headers: [], body: enc.encode(body), url: 'https://a.test/x' });
  const kinds = [401, 403, 404, 429, 500, 400].map((s) => {
    try { checkStatus(answer(s, '{"message":"m"}')); return 'ok'; } catch (e) { return (e as PluginError).kind; }
  });
  assert.deepEqual(kinds, ['auth', 'permission', 'not-found', 'rate-limited', 'upstream', 'upstream']);
  assert.throws(() => checkStatus(answer(500, '{"message":"boom"}')), /HTTP 500 from https:\/\/a.test\/x: boom/);
  const denied = () => { throw { payload: { tag: 'denied', val: 'https://x.test' } }; };
  assert.throws(() => sendWith(denied, { method: 'get', url: 'https://x.test', headers: [], secretHeaders: [] }), (e: PluginError) => e.kind === 'plugin');
  assert.equal(checkStatus(answer(204, '')).status, 204);
});

test('an uncaught exception becomes a plugin error that keeps its text', () => {
  assert.deepEqual(toContractError(new PluginError('auth', 'bad key')), { kind: 'auth', message: 'bad key' });
  const bug = toContractError(new TypeError('x.boom is undefined'));
  assert.equal(bug.kind, 'plugin');
  assert.match(bug.message, /^uncaught exception: TypeError: x.boom is undefined/);
  assert.equal(toContractError('text').message, 'uncaught exception: uncaught text');
  // Frames in one shape whatever the engine wrote (QuickJS/V8 `at f (..)`,
  // StarlingMonkey `f@..`), without V8's first line repeating the message.
  const quick = new RangeError('no');
  quick.stack = 'RangeError: no\n    at sync (/index.js:3:9)\n    at <anonymous> (/sdk.js:8:25)';
  assert.equal(toContractError(quick).message, 'uncaught exception: RangeError: no (at sync (/index.js:3:9) < <anonymous> (/sdk.js:8:25))');
  const sm = new RangeError('no');
  sm.stack = 'sync@/index.js:3:9\n@/sdk.js:8:25\n';
  assert.equal(toContractError(sm).message, 'uncaught exception: RangeError: no (at sync@/index.js:3:9 < @/sdk.js:8:25)');
});

test('Link values: several relations, quoted or not, resolved against the answering URL', () => {
  assert.equal(linkRel('<https://a/2>; rel="prev", <https://a/3>; rel="next"', 'next'), 'https://a/3');
  assert.equal(linkRel('<https://a/3>; rel=next', 'next'), 'https://a/3');
  assert.equal(linkRel('<https://a/3>; rel="last"', 'next'), undefined);
  const r: Response = { status: 200, headers: [['link', '<https://a/1>; rel="prev"'], ['link', '<?page=3>; rel="next"']], body: new Uint8Array(), url: 'https://a.test/list?page=2' };
  assert.equal(nextLink(r), 'https://a.test/list?page=3');
});
