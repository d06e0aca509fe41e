//! Fetching the JWKS: the [`JwksFetcher`] trait, the reqwest implementation and the
//! [`RefreshPolicy`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::error::FetchError;

/// `Send + Sync` on native targets; nothing on wasm32, where futures and JS handles are not
/// `Send`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSendSync: Send + Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + Sync + ?Sized> MaybeSendSync for T {}
/// `Send + Sync` on native targets; nothing on wasm32, where futures and JS handles are not
/// `Send`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSendSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSendSync for T {}

/// `Send` on native targets; nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}
/// `Send` on native targets; nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// The future a [`JwksFetcher`] returns: the response body.
#[cfg(not(target_arch = "wasm32"))]
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FetchError>> + Send + 'a>>;
/// The future a [`JwksFetcher`] returns: the response body.
#[cfg(target_arch = "wasm32")]
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FetchError>> + 'a>>;

/// Downloads a JWKS document. Bring your own to use another HTTP client (an edge runtime's
/// `fetch`, a client with a proxy); any `Fn(String) -> impl Future<Output = Result<Vec<u8>,
/// FetchError>>` closure is one.
///
/// A fetcher returns the body of a `200` response only ([`FetchError::Status`] otherwise),
/// does not follow redirects, and owns the timeout ([`ReqwestFetcher`] applies the
/// [`RefreshPolicy`]'s). The verifier enforces the size limit on what it returns, never calls
/// it concurrently with itself for the same verifier, and parses the body.
pub trait JwksFetcher: MaybeSendSync {
    /// GETs `url` and returns the body of a successful response.
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a>;
}

impl<F, Fut> JwksFetcher for F
where
    F: Fn(String) -> Fut + MaybeSendSync,
    Fut: Future<Output = Result<Vec<u8>, FetchError>> + MaybeSend + 'static,
{
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        Box::pin(self(url.to_owned()))
    }
}

/// When the JWKS is fetched again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    /// Keys older than this are refetched before use (default 10 minutes). If that fetch
    /// fails the old keys stay in use and the fetch is retried after `cooldown`.
    pub max_age: Duration,
    /// A token with an unknown `kid` triggers a refetch at most once per this period
    /// (default 30 seconds); a failed fetch is not retried within it either.
    pub cooldown: Duration,
    /// Timeout of one fetch, used by [`ReqwestFetcher`] (default 5 seconds).
    pub fetch_timeout: Duration,
    /// Largest accepted JWKS response (default 256 KiB).
    pub max_document_bytes: usize,
    /// If refreshing fails, the last good keys stay in use until they are this old (default
    /// 1 hour); after that tokens get [`VerifyError::KeysUnavailable`](crate::VerifyError).
    pub max_stale: Duration,
    /// With a spawner (tokio with the `remote-jwks` feature, `spawn_local` with `wasm`), a
    /// background refresh starts this long before `max_age` (default 1 minute).
    pub refresh_ahead: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(600),
            cooldown: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(5),
            max_document_bytes: 256 * 1024,
            max_stale: Duration::from_secs(3600),
            refresh_ahead: Duration::from_secs(60),
        }
    }
}

impl RefreshPolicy {
    /// Sets [`max_age`](Self::max_age).
    #[must_use]
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// Sets [`cooldown`](Self::cooldown).
    #[must_use]
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// Sets [`fetch_timeout`](Self::fetch_timeout).
    #[must_use]
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// Sets [`max_stale`](Self::max_stale).
    #[must_use]
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// Sets [`refresh_ahead`](Self::refresh_ahead).
    #[must_use]
    pub fn refresh_ahead(mut self, refresh_ahead: Duration) -> Self {
        self.refresh_ahead = refresh_ahead;
        self
    }

    /// Sets [`max_document_bytes`](Self::max_document_bytes).
    #[must_use]
    pub fn max_document_bytes(mut self, max: usize) -> Self {
        self.max_document_bytes = max;
        self
    }
}

/// The default [`JwksFetcher`]: a reqwest client with the policy's timeout and size limit.
#[cfg(feature = "remote-jwks")]
#[derive(Debug, Clone)]
pub struct ReqwestFetcher {
    client: reqwest::Client,
    max_bytes: usize,
}

#[cfg(feature = "remote-jwks")]
impl ReqwestFetcher {
    /// A fetcher with `policy`'s timeout and size limit. It does not follow redirects, so a
    /// checked `https://` URL cannot be downgraded.
    ///
    /// # Errors
    ///
    /// [`BuildError::HttpClient`](crate::BuildError::HttpClient) if the client cannot be
    /// created (for example no TLS backend could be initialised).
    pub fn new(policy: &RefreshPolicy) -> Result<Self, crate::BuildError> {
        let builder = reqwest::Client::builder();
        #[cfg(not(target_arch = "wasm32"))]
        let builder = builder
            .timeout(policy.fetch_timeout)
            .redirect(reqwest::redirect::Policy::none());
        let client = builder.build().map_err(crate::BuildError::HttpClient)?;
        Ok(Self::with_client(client, policy.max_document_bytes))
    }

    /// A fetcher using your own client (set its timeout yourself).
    pub fn with_client(client: reqwest::Client, max_bytes: usize) -> Self {
        Self { client, max_bytes }
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let map = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout
            } else {
                FetchError::transport(e)
            }
        };
        #[cfg_attr(target_arch = "wasm32", allow(unused_mut))]
        let mut response = self
            .client
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "application/jwk-set+json, application/json",
            )
            .send()
            .await
            .map_err(map)?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(FetchError::Status(status.as_u16()));
        }
        let too_large = FetchError::TooLarge {
            max: self.max_bytes,
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_bytes as u64)
        {
            return Err(too_large);
        }
        // Read chunk by chunk so a huge body is cut off early.
        #[cfg(not(target_arch = "wasm32"))]
        {
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(map)? {
                if body.len() + chunk.len() > self.max_bytes {
                    return Err(too_large);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(body)
        }
        #[cfg(target_arch = "wasm32")]
        {
            let body = response.bytes().await.map_err(map)?;
            if body.len() > self.max_bytes {
                return Err(too_large);
            }
            Ok(body.to_vec())
        }
    }
}

#[cfg(feature = "remote-jwks")]
impl JwksFetcher for ReqwestFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        Box::pin(self.get(url))
    }
}

/// Whether `url` may be fetched: `https://`, or `http://` to a loopback host.
pub(crate) fn is_acceptable_jwks_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return lower.len() > "https://".len();
    }
    let Some(rest) = lower.strip_prefix("http://") else {
        return false;
    };
    ["localhost", "127.0.0.1", "[::1]"].iter().any(|host| {
        rest.strip_prefix(host).is_some_and(|after| {
            after.is_empty() || after.starts_with(':') || after.starts_with('/')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwks_urls() {
        assert!(is_acceptable_jwks_url(
            "https://auth.example/.well-known/jwks.json"
        ));
        assert!(is_acceptable_jwks_url("HTTPS://auth.example"));
        assert!(is_acceptable_jwks_url("http://127.0.0.1:8080/jwks.json"));
        assert!(is_acceptable_jwks_url("http://localhost/jwks.json"));
        assert!(is_acceptable_jwks_url("http://[::1]:3000"));
        assert!(!is_acceptable_jwks_url("http://auth.example/jwks.json"));
        assert!(!is_acceptable_jwks_url(
            "http://127.0.0.1.evil.example/jwks.json"
        ));
        assert!(!is_acceptable_jwks_url("http://localhost@evil.example/"));
        assert!(!is_acceptable_jwks_url("https://"));
        assert!(!is_acceptable_jwks_url("ftp://auth.example"));
    }
}
