//! Saving a file the API answered with. Downloads need the bearer token, which a plain link
//! cannot send, so the page fetches the file through [`crate::api`] and hands the text to the
//! browser here as a Blob behind a temporary `<a download>`.

use wasm_bindgen::JsCast;

/// Offers `text` to the user as a file called `name`.
pub fn save_text(text: &str, name: &str, mime: &str) -> Result<(), wasm_bindgen::JsValue> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = leptos::prelude::document();
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    // In the document while clicked, and the URL kept a moment: Chromium starts the
    // download after the click returns, and a URL revoked at once can cancel it.
    let body = document
        .body()
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no body"))?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
