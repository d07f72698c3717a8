//! Small Leptos components that emit GOV.UK Frontend's exact markup (classes, ids, ARIA), so
//! the compiled GOV.UK CSS styles them and assistive technology hears what GOV.UK tested.
//! Each mirrors one component of `govuk-frontend` (see its `fixtures.json`); the behaviour its
//! JavaScript would add is in Rust (`focus`), since GOV.UK's script is not loaded.

mod back_link;
mod button;
mod date_input;
mod error_message;
mod error_summary;
pub mod focus;
mod footer;
mod header;
mod notification_banner;
mod page_title;
mod pagination;
mod panel;
mod radios;
mod select;
mod service_navigation;
mod skip_link;
mod summary_list;
mod table;
mod text_input;

pub use back_link::BackLink;
pub use button::{Button, ButtonKind};
pub use date_input::{DateFields, DateInput, DateParts};
pub use error_message::ErrorMessage;
pub use error_summary::{ErrorItem, ErrorSummary};
pub use footer::{Footer, FooterLink};
pub use header::Header;
pub use notification_banner::{BannerKind, NotificationBanner};
pub use page_title::PageTitle;
pub use pagination::{page_items, PageItem, Pagination};
pub use panel::Panel;
pub use radios::{Checkbox, Radios};
pub use select::{SearchableSelect, Select, SelectOption};
pub use service_navigation::{current, Current, NavLink, ServiceNavigation};
pub use skip_link::SkipLink;
pub use summary_list::{SummaryAction, SummaryList, SummaryRow};
pub use table::{Cell, HeadCell, Table};
pub use text_input::{label_text, TextInput, Textarea};
