//! The dataset's records: what the simulator serves, before rendering to JSON.

use time::OffsetDateTime;

/// One ARM subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    /// GUID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// `Enabled` or `Disabled`.
    pub enabled: bool,
    /// `subscriptionPolicies.quotaId`.
    pub quota_id: &'static str,
}

/// One Graph (Entra ID) user.
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// Object id (GUID).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// User principal name.
    pub upn: String,
    /// Mail address; some members have none (`null`).
    pub mail: Option<String>,
    /// `accountEnabled` at start.
    pub initially_enabled: bool,
    /// `userType` Guest (else Member).
    pub guest: bool,
    /// `createdDateTime`.
    pub created: OffsetDateTime,
}

/// A service principal that calls ARM (not a Graph user).
#[derive(Debug, Clone)]
pub(crate) struct App {
    /// Application (client) id: the activity log's `caller`.
    pub app_id: String,
    /// The service principal's object id.
    pub object_id: String,
    /// Display name.
    pub display_name: &'static str,
}

/// A Graph group of users.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: &'static str,
    /// Microsoft 365 group (else a security group).
    pub unified: bool,
    /// `createdDateTime`.
    pub created: OffsetDateTime,
    /// Member users, by index.
    pub members: Vec<usize>,
}

/// An activated directory role.
#[derive(Debug, Clone)]
pub(crate) struct Role {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: &'static str,
    /// Description.
    pub description: &'static str,
    /// The built-in role template id.
    pub template_id: &'static str,
    /// Member users, by index.
    pub members: Vec<usize>,
}

/// Who did something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Actor {
    /// A Graph user, by index.
    User(usize),
    /// A service principal, by index.
    App(usize),
}

/// One ARM activity-log event.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    /// Unique `eventDataId`.
    pub event_data_id: String,
    /// `correlationId`.
    pub correlation_id: String,
    /// `operationId`.
    pub operation_id: String,
    /// `httpRequest.clientRequestId`.
    pub client_request_id: String,
    /// Who called.
    pub actor: Actor,
    /// Index into the operations table.
    pub operation: usize,
    /// `status.value`.
    pub status: &'static str,
    /// `eventTimestamp`.
    pub timestamp: OffsetDateTime,
    /// `submissionTimestamp`.
    pub submitted: OffsetDateTime,
    /// `resourceGroupName`.
    pub resource_group: &'static str,
    /// The resource's name.
    pub resource_name: String,
    /// `httpRequest.clientIpAddress`.
    pub ip: String,
    /// `authorization.role`.
    pub role: &'static str,
}

/// One Graph sign-in record.
#[derive(Debug, Clone)]
pub(crate) struct SignIn {
    /// Id.
    pub id: String,
    /// `createdDateTime`.
    pub created: OffsetDateTime,
    /// The user, by index.
    pub user: usize,
    /// `(appDisplayName, appId)`.
    pub app: (&'static str, &'static str),
    /// `ipAddress`.
    pub ip: String,
    /// `clientAppUsed`.
    pub client_app: &'static str,
    /// `(errorCode, failureReason)`; 0 on success.
    pub outcome: (i64, &'static str),
    /// `(city, countryOrRegion)`.
    pub location: (&'static str, &'static str),
    /// `correlationId`.
    pub correlation_id: String,
}

/// One Graph directory-audit record.
#[derive(Debug, Clone)]
pub(crate) struct Audit {
    /// Id.
    pub id: String,
    /// `activityDateTime`.
    pub time: OffsetDateTime,
    /// `(activityDisplayName, category, operationType)`.
    pub activity: (&'static str, &'static str, &'static str),
    /// Who initiated it.
    pub actor: Actor,
    /// `ipAddress` of a user initiator.
    pub ip: String,
    /// The target user, by index.
    pub target: Option<usize>,
    /// `result` success (else failure).
    pub success: bool,
    /// `correlationId`.
    pub correlation_id: String,
}
