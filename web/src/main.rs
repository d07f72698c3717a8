//! Entry point of the WASM module: mounts the app on `<body>` (the GOV.UK template puts the
//! skip link, header, main and footer directly in the body). `boot.js` calls this via init().

fn main() {
    // Panics show in the browser console with a Rust message instead of "unreachable".
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(s117_web::App);
}
