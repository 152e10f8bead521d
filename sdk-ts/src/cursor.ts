// Cursors are text the host stores verbatim between `sync` calls and hands
// back unchanged: these keep them as JSON of a plugin's own shape.

import type { Page, Record as ContractRecord } from 'plugboard:connector/types@0.2.0';
import { pluginError } from './error.js';

/** Reads `stream`'s cursor; undefined stays undefined. A cursor that cannot be read is a plugin bug. */
export function decode<T>(stream: string, cursor: string | undefined): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    return JSON.parse(cursor) as T;
  } catch (e) {
    throw pluginError(`cannot read the \`${stream}\` cursor (${(e as Error).message}); reset the stream's checkpoint`);
  }
}

/** Writes a cursor. */
export function encode<T>(state: T): string {
  return JSON.stringify(state);
}

/** A page of `records` that continues at `next`, or ends the stream when `next` is undefined. */
export function page<T>(records: ContractRecord[], next: T | undefined): Page {
  return next === undefined
    ? { records, more: false, cursor: undefined }
    : { records, more: true, cursor: encode(next) };
}
