//! The page, embedded in the binary: one HTML file, its scripts and its style sheets (no
//! build step, nothing fetched from elsewhere).

use axum::extract::OriginalUri;
use axum::http::header;
use axum::response::IntoResponse;

const INDEX: &str = include_str!("page/index.html");

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// The files the page loads, beside it: `(name, content type, text)`. Classic scripts that
/// share `app.js`'s state, in the order `index.html` loads them.
pub const FILES: [(&str, &str, &str); 6] = [
    ("style.css", CSS, include_str!("page/style.css")),
    ("run.css", CSS, include_str!("page/run.css")),
    ("app.js", JS, include_str!("page/app.js")),
    ("run.js", JS, include_str!("page/run.js")),
    ("masks.js", JS, include_str!("page/masks.js")),
    ("start.js", JS, include_str!("page/start.js")),
];

/// Whether `path` (`/`, `/app.js`, …) is one of the page's own files, which hold nothing
/// secret.
pub fn is_page_file(path: &str) -> bool {
    path == "/"
        || path
            .strip_prefix('/')
            .is_some_and(|name| FILES.iter().any(|(file, ..)| *file == name))
}

/// What the page may load: its own files, and the images it makes (data and blob URLs).
const POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'";

/// `GET /`: the page, with a `<base>` naming the folder it is served as, so that its
/// relative addresses (`app.js`, `api/…`) resolve under the prefix an app mounts it at,
/// `/paint` as well as `/paint/` (the request's path before nesting stripped the prefix).
pub async fn index(OriginalUri(uri): OriginalUri) -> impl IntoResponse {
    let path = uri.path();
    let folder = match path.ends_with('/') {
        true => path.to_owned(),
        false => format!("{path}/"),
    };
    let base = format!("<head>\n<base href=\"{}\">", escape_html(&folder));
    answer(
        "text/html; charset=utf-8",
        INDEX.replacen("<head>", &base, 1),
    )
}

/// `text` with the characters HTML gives a meaning escaped, for an attribute's value.
fn escape_html(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// `GET /NAME` of one of the [`FILES`].
pub fn file(kind: &'static str, text: &'static str) -> impl IntoResponse {
    answer(kind, text)
}

fn answer(kind: &'static str, text: impl IntoResponse) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            // The page comes with the binary: an upgraded nst serves its own.
            (header::CACHE_CONTROL, "no-cache"),
            // Nothing from elsewhere, and no other site may frame the page.
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        text,
    )
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use axum::routing::get;
    use tower::ServiceExt as _;

    use super::*;

    /// The page's `<base>` as served at `uri` by a router nesting it under `/paint`.
    async fn base_at(uri: &str) -> String {
        let page = Router::new().route("/", get(index));
        let app = Router::new().nest("/paint", page.clone()).merge(page);
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8(bytes.to_vec()).unwrap();
        let start = html.find("<base href=\"").unwrap() + 12;
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    }

    #[tokio::test]
    async fn the_page_finds_its_files_under_the_prefix_it_is_served_at() {
        assert_eq!(base_at("/paint").await, "/paint/");
        assert_eq!(base_at("/paint?token=abc").await, "/paint/");
        assert_eq!(base_at("/").await, "/");
    }

    #[test]
    fn the_page_and_its_files_are_public_the_api_is_not() {
        assert!(is_page_file("/"));
        for (name, ..) in FILES {
            assert!(is_page_file(&format!("/{name}")), "{name}");
            assert!(
                INDEX.contains(&format!("\"{name}\"")),
                "index.html loads {name}"
            );
        }
        for path in ["/api/info", "/app.js/x", "app.js", "/missing.js", ""] {
            assert!(!is_page_file(path), "{path}");
        }
    }

    #[test]
    fn the_base_is_escaped() {
        assert_eq!(escape_html("/a\"b<c>&'"), "/a&quot;b&lt;c&gt;&amp;&#39;");
    }
}
