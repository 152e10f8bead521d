// @plugboard/sdk: write Plugboard connector plugins in TypeScript or
// JavaScript. See README.md.

export * from './error.js';
export * from './json.js';
export * as cursor from './cursor.js';
export * from './http.js';
export * from './stream.js';
export * from './host.js';
export * from './connector.js';
export type {
  Info, AccountInfo, Page, Finding, Action, Outcome, StreamInfo, StreamKind, Ability,
  Account, AccountStatus, Group, GroupMember, RoleAssignment, Activity, Record,
  Severity, FindingStatus,
} from 'plugboard:connector/types@0.2.0';
