declare module 'plugboard:connector/types@0.2.0' {
  /**
   * Who is to blame for a failure, and so what the operator should do.
   * # Variants
   * 
   * ## `"auth"`
   * 
   * Credentials are wrong, expired or consent is missing.
   * ## `"permission"`
   * 
   * The credentials are valid but lack a permission or scope.
   * ## `"not-found"`
   * 
   * The requested object does not exist upstream.
   * ## `"rate-limited"`
   * 
   * The upstream app throttled us and retries ran out.
   * ## `"upstream"`
   * 
   * The upstream app failed or answered something unexpected.
   * ## `"invalid-config"`
   * 
   * The instance configuration is wrong (missing or bad setting).
   * ## `"unavailable"`
   * 
   * The upstream tenant lacks the licence or plan for this data; the
   * stream is reported as unavailable, not as a failed scan.
   * ## `"plugin"`
   * 
   * A bug in the plugin itself.
   */
  export type ErrorKind = 'auth' | 'permission' | 'not-found' | 'rate-limited' | 'upstream' | 'invalid-config' | 'unavailable' | 'plugin';
  /**
   * An error a plugin returns from an export.
   */
  export interface Error {
    /**
     * Who is to blame.
     */
    kind: ErrorKind,
    /**
     * A human readable explanation; must never contain secrets.
     */
    message: string,
  }
  /**
   * What kind of data an ability or stream provides.
   * # Variants
   * 
   * ## `"account-info"`
   * 
   * ## `"users"`
   * 
   * ## `"groups"`
   * 
   * ## `"admin-roles"`
   * 
   * ## `"audit-trail"`
   * 
   * ## `"governance"`
   * 
   * ## `"posture"`
   * 
   * ## `"data-scan"`
   */
  export type Ability = 'account-info' | 'users' | 'groups' | 'admin-roles' | 'audit-trail' | 'governance' | 'posture' | 'data-scan';
  /**
   * What a stream's records are, which sets the order the host syncs in:
   * accounts, then groups and roles, then activities.
   * # Variants
   * 
   * ## `"accounts"`
   * 
   * ## `"groups"`
   * 
   * ## `"roles"`
   * 
   * ## `"activities"`
   */
  export type StreamKind = 'accounts' | 'groups' | 'roles' | 'activities';
  /**
   * A stream the plugin can sync page by page.
   */
  export interface StreamInfo {
    /**
     * Stable name, used as the checkpoint key (e.g. `users`).
     */
    name: string,
    /**
     * What the stream yields.
     */
    kind: StreamKind,
    /**
     * One line for operators.
     */
    description: string,
  }
  /**
   * What `describe` returns.
   */
  export interface Info {
    /**
     * Plugin id; must match the manifest.
     */
    id: string,
    /**
     * Plugin version; must match the manifest.
     */
    version: string,
    /**
     * The app this connector talks to, for people (e.g. `Zoom`).
     */
    app: string,
    /**
     * Abilities the connector supports.
     */
    abilities: Array<Ability>,
    /**
     * Streams in the order the plugin suggests.
     */
    streams: Array<StreamInfo>,
    /**
     * Governance actions the plugin implements (e.g. `suspend-user`).
     */
    actions: Array<string>,
  }
  /**
   * Facts about the upstream account or tenant, from `check`.
   */
  export interface AccountInfo {
    /**
     * Upstream account or tenant id.
     */
    id: string,
    /**
     * Display name, if the API gives one.
     */
    name?: string,
    /**
     * Plan or licence tier, if known (e.g. `pro`).
     */
    plan?: string,
    /**
     * Owner's email, if known.
     */
    owner?: string,
    /**
     * App-specific extras as a JSON object.
     */
    raw: string,
  }
  /**
   * Lifecycle state of an account upstream.
   * # Variants
   * 
   * ## `"active"`
   * 
   * ## `"inactive"`
   * 
   * ## `"pending"`
   * 
   * ## `"unknown"`
   */
  export type AccountStatus = 'active' | 'inactive' | 'pending' | 'unknown';
  /**
   * A user, guest or service principal.
   */
  export interface Account {
    /**
     * Upstream id, unique within the instance.
     */
    id: string,
    /**
     * Email or user principal name.
     */
    email?: string,
    /**
     * Display name.
     */
    displayName?: string,
    /**
     * Lifecycle state.
     */
    status: AccountStatus,
    /**
     * Upstream user type, as the app names it (e.g. `licensed`, `guest`).
     */
    userType?: string,
    /**
     * Creation time, RFC 3339.
     */
    createdAt?: string,
    /**
     * Last sign-in time, RFC 3339.
     */
    lastLoginAt?: string,
    /**
     * App-specific extras as a JSON object.
     */
    raw: string,
  }
  /**
   * A group of accounts.
   */
  export interface Group {
    /**
     * Upstream id, unique within the instance.
     */
    id: string,
    /**
     * Display name.
     */
    name: string,
    /**
     * Member count reported upstream, if any.
     */
    memberCount?: number,
    /**
     * App-specific extras as a JSON object.
     */
    raw: string,
  }
  /**
   * One account's membership of one group.
   */
  export interface GroupMember {
    /**
     * The group's id.
     */
    groupId: string,
    /**
     * The member account's id.
     */
    accountId: string,
    /**
     * The member's email, to join accounts the plugin did not list.
     */
    email?: string,
  }
  /**
   * One account holding one role.
   */
  export interface RoleAssignment {
    /**
     * The role's upstream id.
     */
    roleId: string,
    /**
     * The role's name.
     */
    roleName: string,
    /**
     * The account holding the role.
     */
    accountId: string,
    /**
     * The account's email, if known.
     */
    email?: string,
    /**
     * True when the role grants administrative power.
     */
    privileged: boolean,
    /**
     * App-specific extras as a JSON object.
     */
    raw: string,
  }
  /**
   * One audit-trail event.
   */
  export interface Activity {
    /**
     * Stable id used to de-duplicate; the same event always has the same id.
     */
    id: string,
    /**
     * When it happened, RFC 3339 UTC.
     */
    occurredAt: string,
    /**
     * Who did it (email, UPN or app id).
     */
    actor?: string,
    /**
     * The actor's IP address.
     */
    actorIp?: string,
    /**
     * What was done (e.g. `sign-in`, `Microsoft.Compute/virtualMachines/write`).
     */
    action: string,
    /**
     * Category (e.g. `sign-in`, `admin-operation`, `management`).
     */
    category: string,
    /**
     * What it was done to.
     */
    target?: string,
    /**
     * Outcome (e.g. `success`, `failure`).
     */
    outcome?: string,
    /**
     * App-specific extras as a JSON object.
     */
    raw: string,
  }
  /**
   * A typed record returned by `sync`.
   */
  export type Record = RecordAccount | RecordGroup | RecordGroupMember | RecordRoleAssignment | RecordActivity;
  export interface RecordAccount {
    tag: 'account',
    val: Account,
  }
  export interface RecordGroup {
    tag: 'group',
    val: Group,
  }
  export interface RecordGroupMember {
    tag: 'group-member',
    val: GroupMember,
  }
  export interface RecordRoleAssignment {
    tag: 'role-assignment',
    val: RoleAssignment,
  }
  export interface RecordActivity {
    tag: 'activity',
    val: Activity,
  }
  /**
   * One page of a stream.
   */
  export interface Page {
    /**
     * The page's records.
     */
    records: Array<Record>,
    /**
     * Opaque cursor. With `more`, the cursor for the next page; without,
     * where the next incremental run should start (or none to restart).
     */
    cursor?: string,
    /**
     * True when the host should call `sync` again with `cursor` now.
     */
    more: boolean,
  }
  /**
   * How severe a failed finding is.
   * # Variants
   * 
   * ## `"info"`
   * 
   * ## `"low"`
   * 
   * ## `"medium"`
   * 
   * ## `"high"`
   * 
   * ## `"critical"`
   */
  export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
  /**
   * Outcome of one posture check.
   * # Variants
   * 
   * ## `"pass"`
   * 
   * ## `"fail"`
   * 
   * ## `"partial"`
   * 
   * ## `"unknown"`
   */
  export type FindingStatus = 'pass' | 'fail' | 'partial' | 'unknown';
  /**
   * A security posture finding.
   */
  export interface Finding {
    /**
     * Stable check id (e.g. `zoom.mfa-enforced`).
     */
    id: string,
    /**
     * One line title.
     */
    title: string,
    /**
     * Severity when the check fails.
     */
    severity: Severity,
    /**
     * Pass, fail or partial.
     */
    status: FindingStatus,
    /**
     * The observed settings that decided the status.
     */
    evidence: string,
    /**
     * What an administrator should change.
     */
    remediation: string,
  }
  /**
   * A governance action the operator asked for.
   */
  export interface Action {
    /**
     * Action name, one of `info.actions` (e.g. `suspend-user`).
     */
    name: string,
    /**
     * The target account id.
     */
    target: string,
    /**
     * When true, describe the request without sending it.
     */
    dryRun: boolean,
  }
  /**
   * What a governance action did.
   */
  export interface Outcome {
    /**
     * True when the upstream state changed (false for a dry run).
     */
    applied: boolean,
    /**
     * What was (or would be) sent and what came back.
     */
    detail: string,
  }
}
