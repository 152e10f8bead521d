// Errors by blame: one constructor per kind, mirroring the Rust SDK's
// `Error::auth / permission / ...`. Throw one from an export (`check`,
// `sync`, `assess`, `act`): the component returns it as the contract's
// `error` record, and the host blames the party the kind names.

import type { ErrorKind, Error as ContractError } from 'plugboard:connector/types@0.2.0';

export type { ErrorKind };

/** The longest message kept; the host bounds it again. */
export const MAX_MESSAGE = 2000;

/** An error a plugin returns; `payload` is what the component hands the host. */
export class PluginError extends Error {
  readonly payload: ContractError;
  constructor(kind: ErrorKind, message: string) {
    const text = String(message).slice(0, MAX_MESSAGE);
    super(text);
    this.name = `PluginError(${kind})`;
    this.payload = { kind, message: text };
  }
  get kind(): ErrorKind {
    return this.payload.kind;
  }
}

/** Credentials are wrong, expired or consent is missing. */
export const authError = (m: string) => new PluginError('auth', m);
/** The credentials are valid but lack a permission or scope. */
export const permissionError = (m: string) => new PluginError('permission', m);
/** The requested object does not exist upstream. */
export const notFoundError = (m: string) => new PluginError('not-found', m);
/** The upstream throttled us and the host's retries ran out. */
export const rateLimitedError = (m: string) => new PluginError('rate-limited', m);
/** The upstream failed or answered something unexpected. */
export const upstreamError = (m: string) => new PluginError('upstream', m);
/** The instance configuration is wrong (a missing or bad setting). */
export const configError = (m: string) => new PluginError('invalid-config', m);
/** The tenant lacks the licence or plan for this data. */
export const unavailableError = (m: string) => new PluginError('unavailable', m);
/** A bug in the plugin itself. */
export const pluginError = (m: string) => new PluginError('plugin', m);

/**
 * Any thrown value as a contract error: a `PluginError` keeps its kind; a
 * host import's failure (`{payload: http-error}`) and every other exception
 * (a `TypeError` from a bug) become `plugin` errors that keep their text and
 * the first stack frames, so the operator sees what broke.
 */
export function toContractError(e: unknown): ContractError {
  if (e instanceof PluginError) return e.payload;
  const p = (e as { payload?: { kind?: unknown; message?: unknown } } | null)?.payload;
  if (p && typeof p.kind === 'string' && typeof p.message === 'string') {
    return { kind: p.kind as ErrorKind, message: p.message.slice(0, MAX_MESSAGE) };
  }
  const text = e instanceof Error ? `${e.name}: ${e.message}${frames(e)}` : `uncaught ${String(e)}`;
  return { kind: 'plugin', message: `uncaught exception: ${text}`.slice(0, MAX_MESSAGE) };
}

function frames(e: Error): string {
  // StarlingMonkey writes `fn@file:line:col`, QuickJS and V8 `at fn (file:line:col)`
  // (V8 after a first line repeating the message): one shape for the operator.
  const lines = (e.stack ?? '')
    .split('\n')
    .map((l) => l.trim().replace(/^at\s+/, ''))
    .filter((l) => l && !l.startsWith(`${e.name}:`));
  return lines.length ? ` (at ${lines.slice(0, 3).join(' < ')})` : '';
}
