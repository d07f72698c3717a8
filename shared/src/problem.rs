//! RFC 9457 problem details: the one error shape of the API.
//!
//! `type` is a stable URN per kind of problem (clients switch on it, never on `title`);
//! `errors` carries one message per invalid field, keyed by the field's JSON name, so the
//! SPA can put each message beside its field and in the error summary.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The media type of every error the API returns.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Prefix of every problem `type`.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:s117:problem:";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `urn:s117:problem:validation`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence, safe to show to a user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path this problem is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Request id, also in the `x-request-id` header and the server log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// One message per invalid field, keyed by the field's JSON name (422 only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
    /// Extra machine-readable members of some problems (e.g. `existing_id` on a duplicate).
    #[serde(flatten, default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub extensions: BTreeMap<String, serde_json::Value>,
}

impl Problem {
    /// The short code after the URN prefix, e.g. `validation`.
    pub fn code(&self) -> &str {
        self.type_
            .strip_prefix(PROBLEM_TYPE_PREFIX)
            .unwrap_or(&self.type_)
    }
}
