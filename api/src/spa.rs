//! Serves the built SPA (`S117_WEB_DIR`, default `web/dist`).
//!
//! A path naming a file under the folder gets that file (its `.gz` sibling when the client
//! accepts gzip, written at build time so nothing is compressed per request); any other path
//! gets `index.html`, so a deep link such as `/records/42` survives a refresh and the SPA's
//! router decides what to show. `/api/...` never reaches here (it has its own 404).

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::startup::AppState;

fn safe_relative(path: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in Path::new(path.trim_start_matches('/')).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

fn serve_file(req: &HttpRequest, file: &Path) -> std::io::Result<HttpResponse> {
    let gz = PathBuf::from(format!("{}.gz", file.display()));
    let mut res = if accepts_gzip(req) && gz.is_file() {
        let mime = actix_files::file_extension_to_mime(
            file.extension().and_then(|e| e.to_str()).unwrap_or(""),
        );
        NamedFile::open(&gz)?
            .set_content_type(mime)
            .set_content_encoding(ContentEncoding::Gzip)
            .disable_content_disposition()
            .into_response(req)
    } else {
        NamedFile::open(file)?
            .disable_content_disposition()
            .into_response(req)
    };
    // File names are not content-hashed, so browsers revalidate (ETag / Last-Modified).
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    Ok(res)
}

pub async fn spa(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let root = &state.config.web_dir;
    if let Some(rel) = safe_relative(req.path()) {
        let candidate = root.join(&rel);
        if !rel.as_os_str().is_empty() && candidate.is_file() {
            if let Ok(res) = serve_file(&req, &candidate) {
                return res;
            }
        }
    }
    match serve_file(&req, &root.join("index.html")) {
        Ok(res) => res,
        Err(_) => HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("The S117 Register web app has not been built. Run `cargo xtask build-web` (or `cargo xtask run`)."),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn path_traversal_is_refused() {
        assert!(safe_relative("/../etc/passwd").is_none());
        assert!(safe_relative("/pkg/../../x").is_none());
        assert_eq!(
            safe_relative("/pkg/app.js").unwrap().to_str(),
            Some("pkg/app.js")
        );
    }
}
