// HTTP through the host, and the pure mappings around it (usable in native
// tests): statuses and host errors to errors by blame, headers, `Link`.

import type { Request, Response, HttpError, Method } from 'plugboard:connector/http@0.2.0';
import { PluginError, type ErrorKind } from './error.js';
import { at } from './json.js';
import { utf8Decode, utf8Encode } from './utf8.js';

export type { Request, Response, Method };

/** Sends one request: the host in a component, a stand-in in native tests. */
export type Transport = (request: Request) => Response;

/** An app's error bodies: where its message and code are, and a refinement of the blame. */
export interface Errors {
  /** Path of the message in an error body (e.g. `["message"]`). */
  message?: readonly string[];
  /** Path of an error code, quoted with the message. */
  code?: readonly string[];
  /** A better kind for a status and message than the status alone gives. */
  refine?: (status: number, code: string | undefined, message: string) => ErrorKind | undefined;
}

const MAX_QUOTE = 300;

/** A GET of `url` with `Accept: application/json`; add headers or a body as needed. */
export function request(method: Method, url: string): Request {
  return { method, url, headers: [['Accept', 'application/json']], secretHeaders: [], body: undefined };
}

/** A request's JSON body. */
export function jsonBody(value: unknown): Uint8Array {
  return utf8Encode(JSON.stringify(value));
}

/** The first value of header `name` (names arrive lower-case). */
export function header(response: Response, name: string): string | undefined {
  const lower = name.toLowerCase();
  return response.headers.find(([k]) => k === lower)?.[1];
}

/** Every value of header `name`, in the order the upstream sent them. */
export function headerAll(response: Response, name: string): string[] {
  const lower = name.toLowerCase();
  return response.headers.filter(([k]) => k === lower).map(([, v]) => v);
}

/** The target of relation `rel` in one `Link` header value, if any. */
export function linkRel(value: string, rel: string): string | undefined {
  for (const part of value.split(',')) {
    const m = part.match(/^\s*<([^>]*)>(.*)$/);
    if (!m) continue;
    const rels = [...m[2].matchAll(/;\s*rel\s*=\s*"?([^";]*)"?/gi)].flatMap((r) => r[1].trim().split(/\s+/));
    if (rels.some((r) => r.toLowerCase() === rel)) return m[1];
  }
  return undefined;
}

/** The `rel="next"` target among every `Link` header line, resolved against the answering URL. */
export function nextLink(response: Response): string | undefined {
  for (const value of headerAll(response, 'link')) {
    const target = linkRel(value, 'next');
    if (target !== undefined) return resolveUrl(target, response.url);
  }
  return undefined;
}

function resolveUrl(target: string, base: string): string {
  try {
    return new URL(target, base || undefined).toString();
  } catch {
    return target;
  }
}

/** The body as text (invalid UTF-8 replaced). */
export function bodyText(response: Response): string {
  return utf8Decode(response.body);
}

/** Parses a body as JSON; a malformed one is the upstream's fault. */
export function parseJson(body: Uint8Array, what = 'answer', app = 'the upstream'): unknown {
  try {
    return JSON.parse(utf8Decode(body));
  } catch (e) {
    throw new PluginError('upstream', `${app} answered a malformed ${what}: ${(e as Error).message}`);
  }
}

/** The kind a status means: 401 auth, 403 permission, 404 not-found, 429 rate-limited, else upstream. */
export function statusKind(status: number): ErrorKind {
  switch (status) {
    case 401: return 'auth';
    case 403: return 'permission';
    case 404: return 'not-found';
    case 429: return 'rate-limited';
    default: return 'upstream';
  }
}

/** The error for a non-2xx answer, quoting the upstream's own message (cut to 300 characters). */
export function statusError(response: Response, errors: Errors = {}): PluginError {
  const text = bodyText(response);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const pick = (path: readonly string[] | undefined) => {
    const v = path && path.length ? at(body, path) : undefined;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  };
  const code = pick(errors.code);
  const message =
    pick(errors.message) ??
    pick(['message']) ??
    pick(['error_description']) ??
    pick(['reason']) ??
    pick(['error']) ??
    text.trim();
  const quoted = (code ? `${message} (${code})` : message).slice(0, MAX_QUOTE);
  const kind = errors.refine?.(response.status, code, message) ?? statusKind(response.status);
  return new PluginError(kind, `HTTP ${response.status} from ${response.url}: ${quoted}`);
}

/** The response when 2xx, else its error. */
export function checkStatus(response: Response, errors: Errors = {}): Response {
  if (response.status >= 200 && response.status < 300) return response;
  throw statusError(response, errors);
}

/** What the host's refusal means: denied and invalid are the plugin's fault, the rest the upstream's, auth and throttling their own. */
export function errorFromHttp(e: HttpError): PluginError {
  switch (e.tag) {
    case 'denied': return new PluginError('plugin', `the host refused the request: outside the egress grant: ${e.val}`);
    case 'invalid': return new PluginError('plugin', `the host refused a malformed request: ${e.val}`);
    case 'timeout': return new PluginError('upstream', 'the upstream did not answer in time');
    case 'network': return new PluginError('upstream', `network failure: ${e.val}`);
    case 'too-large': return new PluginError('upstream', 'the answer exceeded the host\'s size cap');
    case 'rate-limited': return new PluginError('rate-limited', e.val);
    case 'auth': return new PluginError('auth', e.val);
  }
}

/** Calls `net`, turning a host refusal (thrown `{payload: http-error}`) into an error by blame. */
export function sendWith(net: Transport, req: Request): Response {
  try {
    return net(req);
  } catch (e) {
    const payload = (e as { payload?: HttpError } | null)?.payload;
    if (payload && typeof payload === 'object' && 'tag' in payload) throw errorFromHttp(payload);
    throw e;
  }
}

/** GET `url`, check for 2xx, parse JSON. */
export function getJsonWith(net: Transport, url: string, errors: Errors = {}): unknown {
  return parseJson(checkStatus(sendWith(net, request('get', url)), errors).body);
}
