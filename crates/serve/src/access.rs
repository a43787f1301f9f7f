//! Who may use the server: with a token, every request carries it (`Authorization: Bearer
//! TOKEN`, or `?token=TOKEN` where a browser cannot set headers: event streams, downloads);
//! without one (loopback only), requests must name this machine as their host and come from
//! the page itself, so that another site open in the browser can neither drive the server
//! (cross-site requests) nor read it (DNS rebinding).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Server;
use super::api_error::ApiError;

/// The page's files, which need no token.
const PUBLIC: [&str; 3] = ["/", "/app.js", "/style.css"];

/// Answers 401 to a request without the server's token, and 403 to a cross-site request or
/// one for another host on a server without a token.
pub async fn check(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let allowed = match &server.token {
        // The page's own files hold nothing secret, and a browser fetches the script and
        // style sheet without the page's query.
        Some(_) if PUBLIC.contains(&request.uri().path()) => true,
        Some(token) => carries(&request, token),
        None => local_host(headers) && same_origin(headers) && !cross_site(headers),
    };
    if allowed {
        return next.run(request).await;
    }
    // The body is not read: the answer closes the connection (see `ApiError`).
    match &server.token {
        Some(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this server needs its token: open the address `nst serve` printed",
        )
        .into_response(),
        None => ApiError::new(
            StatusCode::FORBIDDEN,
            "only pages of this server on this machine may use it",
        )
        .into_response(),
    }
}

/// Whether `request` carries `token`, in its `Authorization` header or its query.
fn carries(request: &Request, token: &str) -> bool {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let query = Query::<HashMap<String, String>>::try_from_uri(request.uri()).ok();
    let queried = query
        .as_ref()
        .and_then(|q| q.get("token"))
        .map(String::as_str);
    [bearer, queried]
        .into_iter()
        .flatten()
        .any(|given| same_bytes(given.as_bytes(), token.as_bytes()))
}

/// Compares in a time that does not depend on where the bytes differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the request's `Host` is this machine by a loopback name.
fn local_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "localhost" | "[::1]")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether the request has no `Origin` (a page's own navigations, other programs) or the
/// server's own (`http://` and its `Host`).
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => origin.strip_prefix("http://") == Some(host),
        _ => false,
    }
}

/// Whether the browser says the request comes from another site (`Sec-Fetch-Site`), as an
/// image or a script of a foreign page would, without an `Origin`.
fn cross_site(headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|h| h.to_str().ok());
    matches!(site, Some("cross-site" | "same-site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), value.parse().unwrap()))
            .collect()
    }

    #[test]
    fn loopback_hosts_and_the_own_origin_pass_others_do_not() {
        for host in [
            "localhost:8080",
            "127.0.0.1:8080",
            "[::1]:8080",
            "127.0.0.1",
        ] {
            assert!(local_host(&headers(&[(header::HOST, host)])), "{host}");
        }
        for host in [
            "evil.example:8080",
            "192.168.1.2:8080",
            "localhost.evil.example",
        ] {
            assert!(!local_host(&headers(&[(header::HOST, host)])), "{host}");
        }
        let own = [
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://127.0.0.1:8080"),
        ];
        assert!(same_origin(&headers(&own)));
        assert!(same_origin(&headers(&own[..1])));
        let foreign = [
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://evil.example"),
        ];
        assert!(!same_origin(&headers(&foreign)));
        let embedded = [(
            header::HeaderName::from_static("sec-fetch-site"),
            "cross-site",
        )];
        assert!(cross_site(&headers(&embedded)));
        let typed = [(header::HeaderName::from_static("sec-fetch-site"), "none")];
        assert!(!cross_site(&headers(&typed)));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_bytes(b"abc", b"abc"));
        assert!(!same_bytes(b"abc", b"abd"));
        assert!(!same_bytes(b"ab", b"abc"));
    }
}
