//! Saving a file the API answered with. Downloads need the bearer token, which a plain link
//! cannot send, so a page fetches the file with [`crate::api::Api::get_file`] and hands it to
//! the browser here as a `blob:` URL, behind a link the user (or the page) clicks.

use wasm_bindgen::{JsCast, JsValue};

use crate::api::FileDownload;

/// A `blob:` URL for the file's bytes, typed with its media type. The caller revokes it
/// (`web_sys::Url::revoke_object_url`) when the link it backs goes away.
pub fn blob_url(file: &FileDownload) -> Option<String> {
    let bytes = js_sys::Uint8Array::from(file.bytes.as_slice());
    let parts = js_sys::Array::of1(&bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&file.media_type);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Offers the file to the user under the name the server gave it, at once.
pub fn save(file: &FileDownload) -> Result<(), JsValue> {
    let url = blob_url(file).ok_or_else(|| JsValue::from_str("no blob URL"))?;
    let document = leptos::prelude::document();
    let link: web_sys::HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(&file.file_name);
    // In the document while clicked, and the URL kept a moment: Chromium starts the
    // download after the click returns, and a URL revoked at once can cancel it.
    let body = document
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    body.append_child(&link)?;
    link.click();
    link.remove();
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
