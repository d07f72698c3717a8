//! The list envelope every paginated endpoint answers with (DESIGN.md §5).

use serde::{Deserialize, Serialize};

use crate::validation::FieldErrors;

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: u32 = 100;
/// Highest page number accepted (beyond any real list; stops absurd offsets).
pub const MAX_PAGE: u32 = 1_000_000;
/// Page sizes the SPA offers.
pub const PAGE_SIZES: [u32; 4] = [10, 25, 50, 100];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Default page number (serde default for query strings).
pub fn default_page() -> u32 {
    1
}

/// Default page size (serde default for query strings).
pub fn default_per_page() -> u32 {
    25
}

/// Checks a page request (1 ≤ page ≤ [`MAX_PAGE`], 1 ≤ per_page ≤ [`MAX_PER_PAGE`]) and
/// returns `(limit, offset)` for the query.
pub fn limit_offset(page: u32, per_page: u32) -> Result<(i64, i64), FieldErrors> {
    let mut errors = FieldErrors::new();
    if page == 0 || page > MAX_PAGE {
        errors.add("page", format!("Page must be between 1 and {MAX_PAGE}"));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        errors.add(
            "per_page",
            format!("Page size must be between 1 and {MAX_PER_PAGE}"),
        );
    }
    errors.into_result((per_page as i64, (page as i64 - 1) * per_page as i64))
}
