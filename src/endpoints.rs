//! Every Datadog URL the library calls, derived from one `Site`: OAuth on the API host (consent page on the
//! authorize host), intake on each data type's own host. Nothing else in the crate writes a Datadog path.

use crate::site::Site;

pub const AUTHORIZE_PATH: &str = "/oauth2/v1/authorize";

impl Site {
    pub fn authorize_url(&self) -> String {
        format!("{}{AUTHORIZE_PATH}", self.authorize_origin)
    }
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/v1/token", self.api_origin)
    }
    pub fn revoke_url(&self) -> String {
        format!("{}/oauth2/v1/revoke", self.api_origin)
    }
    pub fn api_key_url(&self) -> String {
        format!("{}/api/v2/api_keys/marketplace", self.api_origin)
    }
    pub fn validate_url(&self) -> String {
        format!("{}/api/v1/validate", self.api_origin)
    }
    pub fn metrics_v2_url(&self) -> String {
        format!("{}/api/v2/series", self.api_origin)
    }
    pub fn metrics_v1_url(&self) -> String {
        format!("{}/api/v1/series", self.api_origin)
    }
    pub fn logs_url(&self) -> String {
        format!("{}/api/v2/logs", self.logs_origin)
    }
    pub fn events_v1_url(&self) -> String {
        format!("{}/api/v1/events", self.api_origin)
    }
    pub fn events_v2_url(&self) -> String {
        format!("{}/api/v2/events", self.event_intake_origin)
    }
    pub fn service_checks_url(&self) -> String {
        format!("{}/api/v1/check_run", self.api_origin)
    }
    pub fn incidents_url(&self) -> String {
        format!("{}/api/v2/incidents", self.api_origin)
    }
    pub fn otlp_traces_url(&self) -> String {
        format!("{}/v1/traces", self.otlp_origin)
    }
    /// A path on the API host, for `client.request()`; the path must start with `/`.
    pub fn api_url(&self, path: &str) -> String {
        format!("{}{}", self.api_origin, path)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    pub revoke: String,
    pub api_key: String,
    pub validate: String,
    pub metrics_v2: String,
    pub metrics_v1: String,
    pub logs: String,
    pub events_v1: String,
    pub events_v2: String,
    pub service_checks: String,
    pub incidents: String,
    pub otlp_traces: String,
}

pub fn endpoints(site: &Site) -> Endpoints {
    Endpoints {
        authorize: site.authorize_url(),
        token: site.token_url(),
        revoke: site.revoke_url(),
        api_key: site.api_key_url(),
        validate: site.validate_url(),
        metrics_v2: site.metrics_v2_url(),
        metrics_v1: site.metrics_v1_url(),
        logs: site.logs_url(),
        events_v1: site.events_v1_url(),
        events_v2: site.events_v2_url(),
        service_checks: site.service_checks_url(),
        incidents: site.incidents_url(),
        otlp_traces: site.otlp_traces_url(),
    }
}
