// `connector({...})`: the plugin's exports, with every thrown value turned
// into the contract's error record (a `PluginError` keeps its kind; any
// other exception becomes a `plugin` error that keeps its text).

import type { Info, AccountInfo, Page, Finding, Action, Outcome } from 'plugboard:connector/types@0.2.0';
import { toContractError } from './error.js';

/** What a connector implements, as in the Rust SDK's `Connector` trait. */
export interface Connector {
  describe(): Info;
  check(): AccountInfo;
  sync(stream: string, cursor: string | undefined): Page;
  assess(): Finding[];
  act(action: Action): Outcome;
}

function guarded<A extends unknown[], R>(f: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return f(...args);
    } catch (e) {
      // componentize-js returns a thrown value's `payload` as the `err` case.
      throw { payload: toContractError(e) };
    }
  };
}

/** The exports: `export const { describe, check, sync, assess, act } = connector({...})`. */
export function connector(impl: Connector): Connector {
  return {
    describe: () => impl.describe(),
    check: guarded(() => impl.check()),
    sync: guarded((stream: string, cursor: string | undefined) => impl.sync(stream, cursor)),
    assess: guarded(() => impl.assess()),
    act: guarded((action: Action) => impl.act(action)),
  };
}
