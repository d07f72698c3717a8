//! Component tests in a real browser (headless Chromium via wasm-bindgen-test-runner and
//! chromedriver): each component must render exactly the markup of GOV.UK Frontend's own
//! fixtures, read from the installed `govuk-frontend` package, so an upgrade that changes
//! the markup fails here rather than in a user's screen reader.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p s117-web --target wasm32-unknown-unknown`
//! (`cargo xtask test` does), after `npm ci` (the fixtures come from node_modules).
//!
//! Markup is compared as DOM trees (`isEqualNode`: same elements, attributes in any order,
//! same text) after dropping comments and whitespace-only text and trimming text, since the
//! fixtures are pretty-printed and Leptos inserts marker comments.

#![cfg(target_arch = "wasm32")]

use leptos::mount::mount_to;
use leptos::prelude::*;
use s117_web::components::{
    Cell, DateFields, DateInput, DateParts, ErrorItem, ErrorSummary, HeadCell, NavLink,
    ServiceNavigation, Table,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement, Node};

wasm_bindgen_test_configure!(run_in_browser);

const DATE_INPUT: &str = include_str!(
    "../../node_modules/govuk-frontend/dist/govuk/components/date-input/fixtures.json"
);
const ERROR_SUMMARY: &str = include_str!(
    "../../node_modules/govuk-frontend/dist/govuk/components/error-summary/fixtures.json"
);
const SERVICE_NAVIGATION: &str = include_str!(
    "../../node_modules/govuk-frontend/dist/govuk/components/service-navigation/fixtures.json"
);
const TABLE: &str =
    include_str!("../../node_modules/govuk-frontend/dist/govuk/components/table/fixtures.json");

/// The expected HTML of the fixture called `name`.
fn fixture(fixtures: &str, name: &str) -> String {
    let json: serde_json::Value = serde_json::from_str(fixtures).expect("fixtures.json parses");
    json["fixtures"]
        .as_array()
        .expect("a fixtures array")
        .iter()
        .find(|fixture| fixture["name"] == name)
        .unwrap_or_else(|| panic!("no fixture called {name:?}"))["html"]
        .as_str()
        .expect("html is a string")
        .to_owned()
}

/// A fresh container attached to the document (focus only works on attached elements).
fn container() -> HtmlElement {
    let element = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

/// Removes comments and whitespace-only text, and trims/collapses the remaining text.
fn normalise(node: &Node) {
    node.normalize();
    let children = node.child_nodes();
    let mut index = 0;
    while let Some(child) = children.item(index) {
        match child.node_type() {
            Node::COMMENT_NODE => {
                node.remove_child(&child).unwrap();
                continue;
            }
            Node::TEXT_NODE => {
                let text = child.text_content().unwrap_or_default();
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() {
                    node.remove_child(&child).unwrap();
                    continue;
                }
                child.set_text_content(Some(&text));
            }
            _ => normalise(&child),
        }
        index += 1;
    }
}

/// Asserts that `rendered` (a container) holds exactly the markup of `expected_html`.
fn assert_same_markup(rendered: &Element, expected_html: &str) {
    let expected = document().create_element("div").unwrap();
    expected.set_inner_html(expected_html);
    let actual = rendered.clone_node_with_deep(true).unwrap();
    normalise(&expected);
    normalise(&actual);
    let actual: Element = actual.unchecked_into();
    assert!(
        actual.is_equal_node(Some(&expected)),
        "markup differs from GOV.UK Frontend's fixture\n expected: {}\n   actual: {}",
        expected.inner_html(),
        actual.inner_html(),
    );
}

/// Lets effects (focus) run.
async fn settle() {
    leptos::task::tick().await;
    gloo_timers::future::TimeoutFuture::new(0).await;
}

fn active_element() -> Option<Element> {
    document().active_element()
}

#[wasm_bindgen_test]
fn date_input_matches_the_default_fixture() {
    let root = container();
    let _app = mount_to(root.clone(), || {
        view! { <DateInput id="dob" legend="What is your date of birth?" hint="For example, 31 3 1980" /> }
    });
    assert_same_markup(&root, &fixture(DATE_INPUT, "default"));
}

#[wasm_bindgen_test]
fn date_input_with_an_error_marks_every_box_and_describes_the_fieldset() {
    let root = container();
    let _app = mount_to(root.clone(), || {
        view! {
            <DateInput
                id="dob-errors"
                legend="What is your date of birth?"
                hint="For example, 31 3 1980"
                error=Signal::derive(|| Some("Error message goes here".to_owned()))
            />
        }
    });
    assert_same_markup(&root, &fixture(DATE_INPUT, "with error message and hint"));
}

#[wasm_bindgen_test]
fn date_input_error_on_the_day_marks_only_the_day() {
    let root = container();
    let _app = mount_to(root.clone(), || {
        view! {
            <DateInput
                id="dob-day-error"
                legend="What is your date of birth?"
                hint="For example, 31 3 1980"
                error=Signal::derive(|| Some("Error message goes here".to_owned()))
                error_parts=DateParts { day: true, month: false, year: false }
            />
        }
    });
    assert_same_markup(&root, &fixture(DATE_INPUT, "with error on day input"));
}

#[wasm_bindgen_test]
async fn date_input_binds_what_is_typed() {
    let root = container();
    let fields = DateFields::with_values("13", "2", "1980");
    let _app = mount_to(
        root.clone(),
        move || view! { <DateInput id="dob" legend="Date of birth" fields=fields /> },
    );
    settle().await;
    let year: web_sys::HtmlInputElement = document()
        .get_element_by_id("dob-year")
        .unwrap()
        .unchecked_into();
    assert_eq!(year.value(), "1980");
    year.set_value("1981");
    year.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    assert_eq!(fields.year.get_untracked(), "1981");
}

#[wasm_bindgen_test]
async fn error_summary_matches_the_fixture_and_takes_focus() {
    let root = container();
    let errors = vec![
        ErrorItem::field(
            "example-error-1",
            "The date your passport was issued must be in the past",
        ),
        ErrorItem::field("example-error-2", "Enter a postcode, like AA1 1AA"),
    ];
    let _app = mount_to(
        root.clone(),
        move || view! { <ErrorSummary errors=errors /> },
    );
    settle().await;

    let summary = root.first_element_child().unwrap();
    assert_eq!(
        active_element(),
        Some(summary.clone()),
        "the summary takes focus when shown"
    );
    assert_eq!(summary.get_attribute("tabindex").as_deref(), Some("-1"));
    // GOV.UK's script removes the temporary tabindex on blur; then the markup is the fixture's.
    summary.unchecked_ref::<HtmlElement>().blur().unwrap();
    assert_eq!(summary.get_attribute("tabindex"), None);
    assert_same_markup(&root, &fixture(ERROR_SUMMARY, "default"));
}

#[wasm_bindgen_test]
fn error_summary_with_a_description_and_an_unlinked_error() {
    let root = container();
    let errors = vec![
        ErrorItem::general("Invalid username or password"),
        ErrorItem::field("example-error-1", "Agree to the terms of service to log in"),
    ];
    let _app = mount_to(root.clone(), move || {
        view! { <ErrorSummary errors=errors description="Please fix the errors below." /> }
    });
    // Not settled: the focus effect has not run, so no tabindex yet.
    assert_same_markup(&root, &fixture(ERROR_SUMMARY, "with everything"));
}

#[wasm_bindgen_test]
async fn an_error_summary_link_focuses_the_field() {
    let root = container();
    let _app = mount_to(root.clone(), || {
        view! {
            <ErrorSummary errors=vec![ErrorItem::field("birth-day", "Enter a date of birth")] />
            <DateInput
                id="birth"
                legend="Date of birth"
                error=Signal::derive(|| Some("Enter a date of birth".to_owned()))
            />
        }
    });
    settle().await;
    let link: HtmlElement = root
        .query_selector(".govuk-error-summary__list a")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let url_before = window().location().href().unwrap();
    link.click();
    assert_eq!(
        active_element().map(|element| element.id()).as_deref(),
        Some("birth-day")
    );
    assert_eq!(
        window().location().href().unwrap(),
        url_before,
        "no navigation happened"
    );
}

#[wasm_bindgen_test]
fn service_navigation_marks_the_current_page() {
    let root = container();
    let links = (1..=4)
        .map(|n| NavLink {
            text: format!("Navigation item {n}"),
            href: format!("#/{n}"),
        })
        .collect::<Vec<_>>();
    let _app = mount_to(root.clone(), move || {
        view! { <ServiceNavigation links=links current_path="#/2".to_owned() /> }
    });
    // The test browser's window is wider than GOV.UK's tablet breakpoint: no Menu button.
    assert_same_markup(
        &root,
        &fixture(SERVICE_NAVIGATION, "with navigation with a current item"),
    );
}

#[wasm_bindgen_test]
fn table_with_head_and_caption_right_aligns_numbers() {
    let root = container();
    let _app = mount_to(root.clone(), || {
        let row = |month: &str, bicycles: &str, vehicles: &str| {
            vec![
                Cell::text(month),
                Cell::numeric(bicycles),
                Cell::numeric(vehicles),
            ]
        };
        view! {
            <Table
                caption="Caption 1: Months and rates"
                caption_class="govuk-table__caption--m"
                first_cell_is_header=true
                head=vec![
                    HeadCell::text("Month you apply"),
                    HeadCell::numeric("Rate for bicycles"),
                    HeadCell::numeric("Rate for vehicles"),
                ]
                rows=vec![
                    row("January", "£85", "£95"),
                    row("February", "£75", "£55"),
                    row("March", "£165", "£125"),
                ]
            />
        }
    });
    assert_same_markup(&root, &fixture(TABLE, "with head and caption"));
}
