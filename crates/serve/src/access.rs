//! Who may use the page: with a token, every request carries it (`Authorization: Bearer
//! TOKEN`, or `?token=TOKEN` where a browser cannot set headers: event streams, downloads);
//! without one, requests must come from the page itself, so that another site open in the
//! browser cannot drive the server (cross-site requests), and, on a loopback-only server,
//! must name this machine as their host, so that no other site can read it either (DNS
//! rebinding).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::api_error::ApiError;
use super::{Error, Server, page};

/// Who may use the page (see [`PageBuilder::access`](crate::PageBuilder::access)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Access {
    /// Requests from the page itself (their `Origin`, if any, is `http://` and their `Host`;
    /// no `Sec-Fetch-Site` of another site) naming this machine by a loopback name as their
    /// host: for a server listening on the loopback interface only, which anyone on the
    /// machine may use. The default.
    #[default]
    Loopback,
    /// Requests carrying this token (but those for the page's own files, which hold nothing
    /// secret). Letters, digits and `._~-`: it goes into the page's address.
    Token(String),
    /// Requests from the page itself (`Origin` `http://` or `https://` and their `Host`; no
    /// `Sec-Fetch-Site` of another site), any host: for a page mounted in an app that checks
    /// who its users are in its own middleware, in front of this router.
    SameOrigin,
}

impl Access {
    /// [`Access::Token`], if `token` is letters, digits and `._~-` only.
    pub fn token(token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        check_token(&token)?;
        Ok(Self::Token(token))
    }
}

/// Refuses a token that is empty or would need escaping in the page's address.
pub(crate) fn check_token(token: &str) -> Result<(), Error> {
    let url_safe = |byte: u8| byte.is_ascii_alphanumeric() || b"._~-".contains(&byte);
    match !token.is_empty() && token.bytes().all(url_safe) {
        true => Ok(()),
        false => Err(Error::Limit(
            "the token: use letters, digits and . _ ~ - only (it goes into the page's address)"
                .to_owned(),
        )),
    }
}

/// Answers 401 to a request without the server's token, and 403 to a cross-site request or
/// one for another host on a server without a token.
pub async fn check(State(server): State<Arc<Server>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let allowed = match &server.access {
        // The page's own files hold nothing secret, and a browser fetches the script and
        // style sheet without the page's query.
        Access::Token(_) if page::is_page_file(request.uri().path()) => true,
        Access::Token(token) => carries(&request, token),
        Access::Loopback => {
            local_host(headers) && same_origin(headers, &["http://"]) && !cross_site(headers)
        }
        Access::SameOrigin => {
            same_origin(headers, &["http://", "https://"]) && !cross_site(headers)
        }
    };
    if allowed {
        return next.run(request).await;
    }
    // The body is not read: the answer closes the connection (see `ApiError`).
    match &server.access {
        Access::Token(_) => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this page needs its token: open the address that carries it (`?token=`)",
        )
        .into_response(),
        Access::Loopback => ApiError::new(
            StatusCode::FORBIDDEN,
            "only pages of this server on this machine may use it",
        )
        .into_response(),
        Access::SameOrigin => {
            ApiError::new(StatusCode::FORBIDDEN, "only this site's pages may use it")
                .into_response()
        }
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
/// server's own (one of `schemes` and its `Host`).
fn same_origin(headers: &HeaderMap, schemes: &[&str]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin.to_str().ok(), host) {
        (Some(origin), Some(host)) => schemes
            .iter()
            .any(|scheme| origin.strip_prefix(scheme) == Some(host)),
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
        assert!(same_origin(&headers(&own), &["http://"]));
        assert!(same_origin(&headers(&own[..1]), &["http://"]));
        let foreign = [
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://evil.example"),
        ];
        assert!(!same_origin(&headers(&foreign), &["http://", "https://"]));
        let tls = [
            (header::HOST, "app.example"),
            (header::ORIGIN, "https://app.example"),
        ];
        assert!(same_origin(&headers(&tls), &["http://", "https://"]));
        assert!(!same_origin(&headers(&tls), &["http://"]));
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
