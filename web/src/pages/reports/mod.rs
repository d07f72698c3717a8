//! Reporting (`/reports`): the dashboard of active records (fact sheet "Reporting
//! Dashboard") with charts and tables, and the report download form ("Report / data
//! download"). Each part shows only to those holding its permission.

mod chart;
mod dashboard;
mod download;

use leptos::prelude::*;
use s117_shared::permissions::Permission;

use crate::components::PageTitle;
use crate::session::{use_session, RequireSignIn};

use super::records::no_permission;

#[component]
pub fn ReportingPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            <Reporting />
        </RequireSignIn>
    }
}

#[component]
fn Reporting() -> impl IntoView {
    let session = use_session();
    move || {
        let view_dashboard = session.can(Permission::ReportsView);
        let download = session.can(Permission::ReportsDownload);
        if !view_dashboard && !download {
            return no_permission().into_any();
        }
        view! {
            <PageTitle text="Reporting" />
            <h1 class="govuk-heading-l">"Reporting Dashboard"</h1>
            <p class="govuk-body">
                "A summary of active records. Custom reports can be generated and downloaded below."
            </p>
            {view_dashboard.then(|| view! { <dashboard::Dashboard /> })}
            {download.then(|| view! { <download::ReportForm /> })}
        }
        .into_any()
    }
}
