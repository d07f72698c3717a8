//! The API contract: the checked-in `openapi/openapi.json` is exactly what the code produces.

use crate::support::TestApp;

#[test]
fn checked_in_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let generated = s117_api::openapi::spec_json();
    assert!(
        checked_in == generated,
        "openapi/openapi.json is out of date: run `cargo xtask openapi` (or `s117 openapi --write openapi/openapi.json`) and commit it"
    );
}

#[tokio::test]
async fn the_served_spec_is_the_generated_one() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    let served: serde_json::Value = res.json().await.unwrap();
    let generated: serde_json::Value =
        serde_json::from_str(&s117_api::openapi::spec_json()).unwrap();
    assert_eq!(served, generated);
    assert!(served["openapi"].as_str().unwrap().starts_with("3."));
}

/// Client generators name methods after operationIds: two operations sharing one (utoipa
/// defaults it to the handler's function name, e.g. `list`) break integrators' code.
#[test]
fn every_operation_id_is_unique() {
    let spec: serde_json::Value = serde_json::from_str(&s117_api::openapi::spec_json()).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(id) = operation["operationId"].as_str() else {
                panic!("{method} {path} has no operationId");
            };
            if let Some(other) = seen.insert(id.to_owned(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {other} and by {method} {path}");
            }
        }
    }
}

/// The audit export has no pages: its documented parameters are the filters alone (a
/// `per_page` it ignored was once documented with bounds it did not enforce).
#[test]
fn the_audit_export_documents_no_paging() {
    let spec: serde_json::Value = serde_json::from_str(&s117_api::openapi::spec_json()).unwrap();
    let names: Vec<&str> = spec["paths"]["/api/v1/admin/audit/export"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"record_id"), "{names:?}");
    assert!(
        !names.contains(&"page") && !names.contains(&"per_page"),
        "{names:?}"
    );
}
