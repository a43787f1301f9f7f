//! An app that offers nst's page to its signed-in users: the page's router nested under
//! `/paint`, behind the app's own login check. Here a cookie set by `/login` stands in for a
//! real session; an app puts its own authentication in [`require_login`]'s place.

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use nst_serve::Page;

/// The cookie `/login` sets, which every other request must carry.
pub const SESSION: &str = "paint-app-session=signed-in";

/// The app: its home page, its login, and nst's page under `/paint`, all behind the login
/// check.
pub fn app(page: &Page) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .nest("/paint", page.router())
        .layer(middleware::from_fn(require_login))
}

async fn home() -> Html<&'static str> {
    Html(r#"<!doctype html><title>paint-app</title><a href="/paint">Paint with nst</a>"#)
}

/// Signs the browser in (a real app would check a password) and sends it to the page.
async fn login() -> Response {
    let cookie = format!("{SESSION}; Path=/; HttpOnly; SameSite=Strict");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/paint")).into_response()
}

/// Lets through `/login` and requests that carry the session cookie; answers 401 to others.
pub async fn require_login(request: Request, next: Next) -> Response {
    let signed_in = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .any(|cookie| cookie.trim() == SESSION);
    if signed_in || request.uri().path() == "/login" {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, "sign in first: /login").into_response()
    }
}
