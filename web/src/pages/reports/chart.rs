//! Charts drawn by the app itself as SVG (no JavaScript chart library, nothing inline that
//! the CSP would refuse). Each chart is an image with a text alternative that gives every
//! number; the same numbers are also in a table beside it, so nothing is only in the picture.

use leptos::prelude::*;
use s117_shared::report::{Count, MonthCount};

/// Width of the drawing in SVG units (it scales to the column).
const WIDTH: f64 = 640.0;

/// "Under 16: 1, 16 to 17: 0, …": the chart's text alternative.
pub fn describe(title: &str, counts: &[Count]) -> String {
    let parts: Vec<String> = counts
        .iter()
        .map(|c| format!("{}: {}", c.label, c.count))
        .collect();
    if parts.is_empty() {
        format!("{title}: no records")
    } else {
        format!("{title}. {}", parts.join(", "))
    }
}

/// A horizontal bar chart: each bar's label above it and its number at its end.
#[component]
pub fn BarChart(
    /// What the chart shows ("Totals by age band").
    #[prop(into)]
    title: String,
    counts: Vec<Count>,
) -> impl IntoView {
    let label = describe(&title, &counts);
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1) as f64;
    let row = 44.0;
    let height = (counts.len() as f64 * row).max(row);
    let bars = counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let y = i as f64 * row;
            let width = (c.count as f64 / max) * (WIDTH - 80.0);
            view! {
                <text x="0" y=format!("{:.0}", y + 14.0) class="s117-chart__label">{c.label}</text>
                <rect x="0" y=format!("{:.0}", y + 20.0) width=format!("{width:.1}") height="16"
                    class="s117-chart__bar" />
                <text x=format!("{:.1}", width + 6.0) y=format!("{:.0}", y + 33.0)
                    class="s117-chart__value">{c.count}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="s117-chart" viewBox=format!("0 0 {WIDTH} {height}") role="img"
            aria-label=label focusable="false" preserveAspectRatio="xMinYMin meet">
            {bars}
        </svg>
    }
}

/// New and ended entitlements per month: two bars per month, with a key.
#[component]
pub fn MonthChart(months: Vec<MonthCount>) -> impl IntoView {
    let label = format!(
        "New and ended entitlements per month. {}",
        months
            .iter()
            .map(|m| format!(
                "{}: {} new, {} ended",
                m.label, m.new_entitlements, m.ended_entitlements
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let max = months
        .iter()
        .map(|m| m.new_entitlements.max(m.ended_entitlements))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (top, plot, bottom) = (28.0, 160.0, 36.0);
    let slot = WIDTH / months.len().max(1) as f64;
    let bar = (slot / 2.0 - 4.0).max(2.0);
    let groups = months
        .into_iter()
        .enumerate()
        .map(|(i, m)| {
            let x = i as f64 * slot + 2.0;
            let h_new = m.new_entitlements as f64 / max * plot;
            let h_end = m.ended_entitlements as f64 / max * plot;
            let short = m.label.split(' ').next().unwrap_or_default().to_owned();
            view! {
                <rect x=format!("{x:.1}") y=format!("{:.1}", top + plot - h_new)
                    width=format!("{bar:.1}") height=format!("{h_new:.1}") class="s117-chart__bar" />
                <rect x=format!("{:.1}", x + bar + 2.0) y=format!("{:.1}", top + plot - h_end)
                    width=format!("{bar:.1}") height=format!("{h_end:.1}") class="s117-chart__bar--ended" />
                <text x=format!("{:.1}", x + bar) y=format!("{:.0}", top + plot + 18.0)
                    text-anchor="middle" class="s117-chart__axis">{short}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="s117-chart" viewBox=format!("0 0 {WIDTH} {}", top + plot + bottom) role="img"
            aria-label=label focusable="false" preserveAspectRatio="xMinYMin meet">
            <rect x="0" y="4" width="14" height="14" class="s117-chart__bar" />
            <text x="20" y="16" class="s117-chart__label">"New"</text>
            <rect x="80" y="4" width="14" height="14" class="s117-chart__bar--ended" />
            <text x="100" y="16" class="s117-chart__label">"Ended"</text>
            <line x1="0" x2=format!("{WIDTH}") y1=format!("{}", top + plot) y2=format!("{}", top + plot)
                class="s117-chart__baseline" />
            {groups}
        </svg>
    }
}
