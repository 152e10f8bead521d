// The host's imports (only inside a component): HTTP, settings, logs, time.

import { send } from 'plugboard:connector/http@0.2.0';
import { get } from 'plugboard:connector/config@0.2.0';
import { emit } from 'plugboard:connector/log@0.2.0';
import { nowMs as hostNowMs } from 'plugboard:connector/clock@0.2.0';
import { exists } from 'plugboard:connector/secrets@0.2.0';
import { configError } from './error.js';
import { getJsonWith, sendWith, type Errors, type Request, type Response, type Transport } from './http.js';

/** The host as a transport: what streams use inside a component. */
export const host: Transport = (req: Request): Response => send(req);

/** Sends a request through the host; a refusal becomes an error by blame, any status comes back. */
export function sendRequest(req: Request): Response {
  return sendWith(host, req);
}

/** GET `url` through the host, check for 2xx, parse JSON. */
export function getJson(url: string, errors: Errors = {}): unknown {
  return getJsonWith(host, url, errors);
}

/** Instance setting `key`, or undefined when unset. */
export function config(key: string): string | undefined {
  return get(key);
}

/** Instance setting `key`; unset is an `invalid-config` error naming it. */
export function requireConfig(key: string): string {
  const v = get(key);
  if (v === undefined || v === '') throw configError(`the setting \`${key}\` is required`);
  return v;
}

/** Whether the instance has a value for secret `name` (never the value). */
export function hasSecret(name: string): boolean {
  return exists(name);
}

/** Milliseconds since the Unix epoch, from the host. */
export function nowMs(): number {
  return Number(hostNowMs());
}

/** Structured logs, attributed to the plugin and instance by the host. */
export const log = {
  trace: (m: string) => emit('trace', m),
  debug: (m: string) => emit('debug', m),
  info: (m: string) => emit('info', m),
  warn: (m: string) => emit('warn', m),
  error: (m: string) => emit('error', m),
};
