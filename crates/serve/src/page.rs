//! The page, embedded in the binary: one HTML file, its script and its style sheet (no
//! build step, nothing fetched from elsewhere).

use axum::http::header;
use axum::response::IntoResponse;

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/style.css");

/// What the page may load: its own files, and the images it makes (data and blob URLs).
const POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; frame-ancestors 'none'";

/// `GET /`.
pub async fn index() -> impl IntoResponse {
    answer("text/html; charset=utf-8", INDEX)
}

/// `GET /app.js`.
pub async fn script() -> impl IntoResponse {
    answer("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /style.css`.
pub async fn style() -> impl IntoResponse {
    answer("text/css; charset=utf-8", STYLE)
}

fn answer(kind: &'static str, text: &'static str) -> impl IntoResponse {
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
