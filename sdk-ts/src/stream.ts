// Declarative streams, mirroring the Rust SDK's `stream` module: a request
// template, a record path, a paginator, optional partitions (a fixed list or
// parents read from another endpoint) and a mapping from one upstream record
// to contract records. `sync` makes exactly one request per call and owns
// the cursor's format, so a plugin never writes one.

import type { Page, Record as ContractRecord, StreamInfo, StreamKind } from 'plugboard:connector/types@0.2.0';
import { decode, encode } from './cursor.js';
import { PluginError, configError, pluginError, upstreamError } from './error.js';
import { checkStatus, nextLink, parseJson, request, sendWith, type Errors, type Response, type Transport } from './http.js';
import { at } from './json.js';
import { utf8Encode } from './utf8.js';

/** How pages follow one another. */
export type Paginator =
  /** One page. */
  | { kind: 'none' }
  /** A token in the body at `at`, sent back as query parameter `param`; empty or missing ends the slice. */
  | { kind: 'token'; at: readonly string[]; param: string }
  /** A full URL in the body at `at` (`@odata.nextLink`, `links.next`), followed as-is under the base. */
  | { kind: 'next-link'; at: readonly string[] }
  /** The `rel="next"` target among every `Link` header, followed under the base. */
  | { kind: 'link-header' };

/** What one request is for. */
export interface Slice<P> {
  /** The current partition (undefined for an unpartitioned stream). */
  parent?: P;
}

/** Parents read from another endpoint (Airbyte's SubstreamPartitionRouter); all parents are listed first. */
export interface Parents<P> {
  /** The parent list's first request. */
  url: () => string;
  /** The path of the parents in a page (`[]`: the page is an array). */
  records: readonly string[];
  /** How the parent list pages. */
  paginator: Paginator;
  /** One parent from its record; undefined skips it. Must be JSON (it is kept in the cursor). */
  map: (raw: unknown) => P | undefined;
  /** Names a parent page in errors, e.g. `teams page`. */
  what: string;
}

/** Maps one upstream record to contract records, pushed onto `out`. */
export type MapFn<P> = (slice: Slice<P>, raw: unknown, out: ContractRecord[]) => void;

/** A declarative stream. */
export interface StreamSpec<P = unknown> {
  /** Stable name: the checkpoint key. */
  name: string;
  /** What the stream yields (sets the host's sync order). */
  kind: StreamKind;
  /** One line for operators. */
  description: string;
  /** The app, named in errors (`GitHub answered a malformed teams page`). */
  app: string;
  /** Every next link must start with this (plus `/`). */
  base: string;
  /** The first URL of a slice. */
  url: (slice: Slice<P>) => string;
  /** The path of the records in a page (`[]` or absent: the page is an array). */
  records?: readonly string[];
  /** How pages follow one another (default: one page). */
  paginator?: Paginator;
  /** A fixed list of partitions, or parents from another endpoint. */
  partitions?: { list: () => P[] } | { parents: Parents<P> };
  /** Plain headers on every request (parents' too); each replaces the default `Accept`. */
  headers?: readonly (readonly [string, string])[];
  /** The app's error bodies. */
  errors?: Errors;
  /** Rewrites an error of this stream (e.g. a 404 that means "no licence" becomes `unavailable`). */
  onError?: (error: PluginError) => PluginError;
  /** What a page is called in errors (default `NAME page`). */
  what?: string;
  /** The mapping. */
  map: MapFn<P>;
}

/** The cursor a stream keeps: unknown members are refused (a cursor from another version). */
interface Position<P> {
  parents?: P[];
  listing?: string;
  next?: string;
}
const POSITION_KEYS = new Set(['parents', 'listing', 'next']);

/** A stream, ready to sync. */
export class Stream<P = unknown> {
  constructor(readonly spec: StreamSpec<P>) {}

  /** What `describe` lists for this stream. */
  info(): StreamInfo {
    return { name: this.spec.name, kind: this.spec.kind, description: this.spec.description };
  }

  /** One page from `cursor`: exactly one request through `net` (none when the partitions ran out). */
  sync(cursor: string | undefined, net: Transport): Page {
    const s = this.spec;
    const pos = this.position(cursor);
    const parts = s.partitions;
    if (parts && 'parents' in parts && (pos.parents === undefined || pos.listing !== undefined)) {
      return this.listParents(parts.parents, pos, net);
    }
    if (parts && 'list' in parts && pos.parents === undefined) pos.parents = parts.list();
    let parent: P | undefined;
    if (parts) {
      if (!pos.parents || pos.parents.length === 0) return { records: [], more: false, cursor: undefined };
      parent = pos.parents[0];
    }
    const slice: Slice<P> = parent === undefined ? {} : { parent };
    const url = this.pageUrl(s.url(slice), s.paginator, pos.next);
    let response: Response;
    try {
      response = checkStatus(sendWith(net, this.request(url)), s.errors);
    } catch (e) {
      throw e instanceof PluginError && s.onError ? s.onError(e) : e;
    }
    const body = parseJson(response.body, s.what ?? `${s.name} page`, s.app);
    const items = this.items(body, s.records ?? [], s.what ?? `${s.name} page`);
    const records: ContractRecord[] = [];
    for (const raw of items) s.map(slice, raw, records);
    const next = this.next(s.paginator, body, response);
    if (next !== undefined) {
      return this.more(records, { ...pos, next });
    }
    const rest: Position<P> = { parents: pos.parents?.slice(1) };
    if (parts && rest.parents && rest.parents.length > 0) return this.more(records, rest);
    return { records, more: false, cursor: undefined };
  }

  /** Runs one page body through the record path and mapping, without a network (native tests). */
  parsePage(body: string, slice: Slice<P> = {}): ContractRecord[] {
    const s = this.spec;
    const parsed = parseJson(utf8Encode(body), s.what ?? `${s.name} page`, s.app);
    const records: ContractRecord[] = [];
    for (const raw of this.items(parsed, s.records ?? [], s.what ?? `${s.name} page`)) s.map(slice, raw, records);
    return records;
  }

  private position(cursor: string | undefined): Position<P> {
    const pos = decode<Position<P>>(this.spec.name, cursor) ?? {};
    if (pos === null || typeof pos !== 'object' || Array.isArray(pos) || Object.keys(pos).some((k) => !POSITION_KEYS.has(k))) {
      throw pluginError(`the \`${this.spec.name}\` cursor is not this plugin's; reset the stream's checkpoint`);
    }
    return pos;
  }

  private listParents(parents: Parents<P>, pos: Position<P>, net: Transport): Page {
    const url = pos.listing ?? parents.url();
    let response: Response;
    try {
      response = checkStatus(sendWith(net, this.request(url)), this.spec.errors);
    } catch (e) {
      throw e instanceof PluginError && this.spec.onError ? this.spec.onError(e) : e;
    }
    const body = parseJson(response.body, parents.what, this.spec.app);
    const found: P[] = [];
    for (const raw of this.items(body, parents.records, parents.what)) {
      const p = parents.map(raw);
      if (p !== undefined) found.push(p);
    }
    const all = (pos.parents ?? []).concat(found);
    const listing = this.next(parents.paginator, body, response);
    if (listing !== undefined) return this.more([], { parents: all, listing });
    if (all.length === 0) return { records: [], more: false, cursor: undefined };
    return this.more([], { parents: all });
  }

  private more(records: ContractRecord[], pos: Position<P>): Page {
    const clean: Position<P> = {};
    if (pos.parents !== undefined) clean.parents = pos.parents;
    if (pos.listing !== undefined) clean.listing = pos.listing;
    if (pos.next !== undefined) clean.next = pos.next;
    return { records, more: true, cursor: encode(clean) };
  }

  private request(url: string) {
    const req = request('get', url);
    for (const [k, v] of this.spec.headers ?? []) {
      req.headers = req.headers.filter(([name]) => name.toLowerCase() !== k.toLowerCase());
      req.headers.push([k, v]);
    }
    return req;
  }

  private pageUrl(first: string, paginator: Paginator | undefined, next: string | undefined): string {
    if (next === undefined) return first;
    if (paginator?.kind === 'token') return withParam(first, paginator.param, next);
    return next;
  }

  private items(body: unknown, path: readonly string[], what: string): unknown[] {
    const list = path.length ? at(body, path) : body;
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) {
      throw upstreamError(`${this.spec.app} answered a malformed ${what}: ${path.length ? `\`${path.join('.')}\`` : 'the page'} is not a list`);
    }
    return list;
  }

  private next(paginator: Paginator | undefined, body: unknown, response: Response): string | undefined {
    switch (paginator?.kind ?? 'none') {
      case 'none':
        return undefined;
      case 'token': {
        const v = at(body, (paginator as { at: readonly string[] }).at);
        const token = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
        return token === '' ? undefined : token;
      }
      case 'next-link': {
        const v = at(body, (paginator as { at: readonly string[] }).at);
        return typeof v === 'string' && v !== '' ? this.underBase(v) : undefined;
      }
      case 'link-header': {
        const link = nextLink(response);
        return link === undefined ? undefined : this.underBase(link);
      }
    }
  }

  private underBase(link: string): string {
    const base = this.spec.base.replace(/\/+$/, '');
    if (link === base || link.startsWith(`${base}/`) || link.startsWith(`${base}?`)) return link;
    throw upstreamError(`${this.spec.app} sent a next link outside ${base}: ${link.slice(0, 200)}`);
  }
}

/** `url` with `key=value` appended (percent-encoded), replacing an earlier `key`. */
export function withParam(url: string, key: string, value: string): string {
  const [path, query = ''] = url.split('?', 2);
  const pairs = query.split('&').filter((p) => p && p.split('=')[0] !== encodeURIComponent(key));
  pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
  return `${path}?${pairs.join('&')}`;
}

/** Every stream of a plugin. */
export class Catalog {
  constructor(
    readonly app: string,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly streams: Stream<any>[],
  ) {}

  /** What `describe` lists. */
  infos(): StreamInfo[] {
    return this.streams.map((s) => s.info());
  }

  /** One page of the stream called `name`; an unknown name is the operator's (invalid-config). */
  sync(name: string, cursor: string | undefined, net: Transport): Page {
    const stream = this.streams.find((s) => s.spec.name === name);
    if (!stream) throw configError(`the ${this.app} connector has no stream \`${name}\``);
    return stream.sync(cursor, net);
  }
}
