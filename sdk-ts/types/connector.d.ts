/// <reference path="./interfaces/plugboard-connector-clock.d.ts" />
/// <reference path="./interfaces/plugboard-connector-config.d.ts" />
/// <reference path="./interfaces/plugboard-connector-http.d.ts" />
/// <reference path="./interfaces/plugboard-connector-log.d.ts" />
/// <reference path="./interfaces/plugboard-connector-ratelimit.d.ts" />
/// <reference path="./interfaces/plugboard-connector-secrets.d.ts" />
/// <reference path="./interfaces/plugboard-connector-types.d.ts" />
declare module 'plugboard:connector/connector@0.2.0' {
  export type Info = import('plugboard:connector/types@0.2.0').Info;
  export type AccountInfo = import('plugboard:connector/types@0.2.0').AccountInfo;
  export type Error = import('plugboard:connector/types@0.2.0').Error;
  export type Page = import('plugboard:connector/types@0.2.0').Page;
  export type Finding = import('plugboard:connector/types@0.2.0').Finding;
  export type Action = import('plugboard:connector/types@0.2.0').Action;
  export type Outcome = import('plugboard:connector/types@0.2.0').Outcome;
  export type * as PlugboardConnectorClock020 from 'plugboard:connector/clock@0.2.0'; // import plugboard:connector/clock@0.2.0
  export type * as PlugboardConnectorConfig020 from 'plugboard:connector/config@0.2.0'; // import plugboard:connector/config@0.2.0
  export type * as PlugboardConnectorHttp020 from 'plugboard:connector/http@0.2.0'; // import plugboard:connector/http@0.2.0
  export type * as PlugboardConnectorLog020 from 'plugboard:connector/log@0.2.0'; // import plugboard:connector/log@0.2.0
  export type * as PlugboardConnectorRatelimit020 from 'plugboard:connector/ratelimit@0.2.0'; // import plugboard:connector/ratelimit@0.2.0
  export type * as PlugboardConnectorSecrets020 from 'plugboard:connector/secrets@0.2.0'; // import plugboard:connector/secrets@0.2.0
  export type * as PlugboardConnectorTypes020 from 'plugboard:connector/types@0.2.0'; // import plugboard:connector/types@0.2.0
  /**
  * Static facts about the connector.
  */
  export function describe(): Info;
  /**
  * Validate credentials, consent and plan.
  */
  export function check(): AccountInfo;
  /**
  * One page of `stream`, starting at `cursor` (none = from the start).
  */
  export function sync(stream: string, cursor: string | undefined): Page;
  /**
  * Security posture findings.
  */
  export function assess(): Array<Finding>;
  /**
  * Perform a governance action.
  */
  export function act(action: Action): Outcome;
  export type Option<T> = { tag: 'none' } | { tag: 'some', val: T };
  export type Result<T, E> = { tag: 'ok', val: T } | { tag: 'err', val: E };
}
