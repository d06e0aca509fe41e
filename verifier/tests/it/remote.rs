use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use verifier::{
    Algorithm, FetchError, KeySource, ManualClock, RefreshPolicy, Verifier, VerifyError,
};

use crate::support::*;

/// A JWKS endpoint on 127.0.0.1:0 whose document and status the test changes, counting hits.
#[derive(Clone)]
struct JwksServer {
    url: String,
    state: Arc<ServerState>,
}

struct ServerState {
    body: Mutex<String>,
    status: AtomicU16,
    hits: AtomicUsize,
}

async fn serve_jwks(State(state): State<Arc<ServerState>>) -> (StatusCode, String) {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let status = StatusCode::from_u16(state.status.load(Ordering::SeqCst)).unwrap();
    (status, state.body.lock().unwrap().clone())
}

impl JwksServer {
    async fn start(body: String) -> Self {
        let state = Arc::new(ServerState {
            body: Mutex::new(body),
            status: AtomicU16::new(200),
            hits: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/jwks.json", get(serve_jwks))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    fn set_body(&self, body: String) {
        *self.state.body.lock().unwrap() = body;
    }

    fn set_status(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    fn verifier(&self, clock: Arc<ManualClock>) -> Verifier {
        Verifier::builder(ISSUER, [AUDIENCE], KeySource::RemoteJwks(self.url.clone()))
            .clock(clock)
            .build()
            .unwrap()
    }
}

const COOLDOWN: Duration = Duration::from_secs(31);

#[tokio::test]
async fn fetches_once_and_caches() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let verifier = server.verifier(clock());
    assert_eq!(
        server.hits(),
        0,
        "nothing is fetched before the first token"
    );
    let token = sign(K::RsaA, "a", Algorithm::RS256, &claims());
    for _ in 0..3 {
        assert_eq!(verifier.verify(&token).await.unwrap().sub, "user-1");
    }
    assert_eq!(server.hits(), 1);
    // Clones share the cache.
    assert!(verifier.clone().verify(&token).await.is_ok());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn rotation_refetches_once_and_respects_the_cooldown() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let clock = clock();
    let verifier = server.verifier(clock.clone());
    assert!(
        verifier
            .verify(&sign(K::RsaA, "a", Algorithm::RS256, &claims()))
            .await
            .is_ok()
    );
    assert_eq!(server.hits(), 1);

    // The issuer publishes a new key and signs with it: one refetch, then accepted.
    server.set_body(jwks(&[
        (K::RsaA, "a", Algorithm::RS256),
        (K::RsaB, "b", Algorithm::RS256),
    ]));
    let rotated = sign(K::RsaB, "b", Algorithm::RS256, &claims());
    assert!(verifier.verify(&rotated).await.is_ok());
    assert_eq!(server.hits(), 2);
    assert!(verifier.verify(&rotated).await.is_ok());
    assert_eq!(server.hits(), 2);

    // Unknown kids within the cooldown do not reach the server.
    for kid in ["x1", "x2", "x3"] {
        let unknown = sign(K::RsaAttacker, kid, Algorithm::RS256, &claims());
        assert!(matches!(
            verifier.verify(&unknown).await,
            Err(VerifyError::UnknownKey { .. })
        ));
    }
    assert_eq!(server.hits(), 2);

    // After the cooldown, one refetch per unknown kid burst.
    clock.advance(COOLDOWN);
    let unknown = sign(K::RsaAttacker, "x4", Algorithm::RS256, &claims());
    assert!(matches!(
        verifier.verify(&unknown).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert!(matches!(
        verifier.verify(&unknown).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn a_key_appearing_within_the_cooldown_waits_for_it() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let clock = clock();
    let verifier = server.verifier(clock.clone());
    let unknown = sign(K::RsaB, "b", Algorithm::RS256, &claims());
    assert!(matches!(
        verifier.verify(&unknown).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert_eq!(
        server.hits(),
        2,
        "first fetch, then one refetch for the unknown kid"
    );

    server.set_body(jwks(&[
        (K::RsaA, "a", Algorithm::RS256),
        (K::RsaB, "b", Algorithm::RS256),
    ]));
    assert!(matches!(
        verifier.verify(&unknown).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert_eq!(server.hits(), 2);
    clock.advance(COOLDOWN);
    assert!(verifier.verify(&unknown).await.is_ok());
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn stale_keys_are_refetched_and_kept_if_the_issuer_fails() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let clock = clock();
    let verifier = server.verifier(clock.clone());
    let token = sign(
        K::RsaA,
        "a",
        Algorithm::RS256,
        &claims_with("exp", serde_json::json!(NOW + 86_400)),
    );
    assert!(verifier.verify(&token).await.is_ok());

    clock.advance(Duration::from_secs(8 * 60));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 1, "younger than max age");

    clock.advance(Duration::from_secs(2 * 60 + 1));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 2, "older than max age: refetched");

    // The issuer goes down: stale keys stay in use, retries wait for the cooldown.
    server.set_status(500);
    clock.advance(Duration::from_secs(11 * 60));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 3);
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 3);
    clock.advance(COOLDOWN);
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 4);

    // Back up, and the key was rotated out: the old kid is now unknown.
    server.set_status(200);
    server.set_body(jwks(&[(K::RsaB, "b", Algorithm::RS256)]));
    clock.advance(COOLDOWN);
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::UnknownKey { .. })
    ));
    assert!(
        verifier
            .verify(&sign(
                K::RsaB,
                "b",
                Algorithm::RS256,
                &claims_with("exp", serde_json::json!(NOW + 86_400))
            ))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn unreachable_issuer_is_unavailable_not_invalid() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    server.set_status(503);
    let clock = clock();
    let verifier = server.verifier(clock.clone());
    let token = sign(K::RsaA, "a", Algorithm::RS256, &claims());
    let error = verifier.verify(&token).await.unwrap_err();
    assert!(error.is_unavailable());
    assert!(matches!(
        error,
        VerifyError::KeysUnavailable(FetchError::Status(503))
    ));
    assert!(verifier.verify(&token).await.unwrap_err().is_unavailable());
    assert_eq!(
        server.hits(),
        1,
        "failures are not retried within the cooldown"
    );

    // An explicit refresh ignores the failure cooldown.
    assert!(matches!(
        verifier.refresh_keys().await,
        Err(FetchError::Status(503))
    ));
    assert_eq!(server.hits(), 2);
    server.set_status(200);
    verifier.refresh_keys().await.unwrap();
    assert_eq!(server.hits(), 3);
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn bad_documents_are_fetch_errors() {
    let server = JwksServer::start("<html>not json</html>".into()).await;
    let verifier = server.verifier(clock());
    assert!(matches!(
        verifier.refresh_keys().await,
        Err(FetchError::InvalidDocument(_))
    ));
    server.set_body(r#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#.into());
    assert!(matches!(
        verifier.refresh_keys().await,
        Err(FetchError::NoUsableKeys)
    ));
    server.set_body(format!(
        r#"{{"keys": [], "pad": "{}"}}"#,
        "x".repeat(300 * 1024)
    ));
    assert!(matches!(
        verifier.refresh_keys().await,
        Err(FetchError::TooLarge { .. })
    ));

    let small = Verifier::builder(
        ISSUER,
        [AUDIENCE],
        KeySource::RemoteJwks(server.url.clone()),
    )
    .clock(clock())
    .refresh_policy(RefreshPolicy::default().max_document_bytes(1024))
    .build()
    .unwrap();
    server.set_body(format!(r#"{{"keys": [], "pad": "{}"}}"#, "x".repeat(2048)));
    assert!(matches!(
        small.refresh_keys().await,
        Err(FetchError::TooLarge { max: 1024 })
    ));
}

#[tokio::test]
async fn concurrent_callers_share_one_fetch() {
    // A custom fetcher (a closure) that counts calls and waits on a gate the test opens
    // once every caller is waiting.
    let calls = Arc::new(AtomicUsize::new(0));
    let (open_gate, gate) = tokio::sync::watch::channel(false);
    let body = jwks(&[(K::RsaA, "a", Algorithm::RS256)]);
    let fetcher = {
        let (calls, gate) = (calls.clone(), gate.clone());
        move |url: String| {
            let (calls, mut gate, body) = (calls.clone(), gate.clone(), body.clone());
            async move {
                assert_eq!(url, "https://auth.example.test/jwks.json");
                calls.fetch_add(1, Ordering::SeqCst);
                gate.wait_for(|open| *open).await.unwrap();
                Ok::<_, FetchError>(body.into_bytes())
            }
        }
    };
    let verifier = Verifier::builder(
        ISSUER,
        [AUDIENCE],
        KeySource::RemoteJwks("https://auth.example.test/jwks.json".into()),
    )
    .clock(clock())
    .fetcher(fetcher)
    .build()
    .unwrap();

    let token = sign(K::RsaA, "a", Algorithm::RS256, &claims());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (verifier, token) = (verifier.clone(), token.clone());
        tasks.spawn(async move { verifier.verify(&token).await.map(|c| c.sub) });
    }
    // Poll until the one fetch is in flight (bounded), then let every task reach the lock.
    for _ in 0..1000 {
        if calls.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    open_gate.send(true).unwrap();
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap(), "user-1");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keys_are_refreshed_in_the_background_before_they_expire() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let clock = clock();
    let verifier = server.verifier(clock.clone());
    let token = sign(
        K::RsaA,
        "a",
        Algorithm::RS256,
        &claims_with("exp", serde_json::json!(NOW + 86_400)),
    );
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 1);
    // Within a minute of max age: answered from the cache at once, refreshed meanwhile.
    clock.advance(Duration::from_secs(9 * 60 + 30));
    assert!(verifier.verify(&token).await.is_ok());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while server.hits() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no background refresh"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The refreshed keys are fresh again: no fetch in the request path at old max age.
    clock.advance(Duration::from_secs(60));
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn only_status_200_is_accepted() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let verifier = server.verifier(clock());
    for status in [201, 204, 301, 302, 404] {
        server.set_status(status);
        assert!(matches!(verifier.refresh_keys().await, Err(FetchError::Status(s)) if s == status));
    }
}

#[tokio::test]
async fn keys_past_max_stale_are_not_used() {
    let server = JwksServer::start(jwks(&[(K::RsaA, "a", Algorithm::RS256)])).await;
    let clock = clock();
    let verifier = Verifier::builder(
        ISSUER,
        [AUDIENCE],
        KeySource::RemoteJwks(server.url.clone()),
    )
    .clock(clock.clone())
    .refresh_policy(RefreshPolicy::default().max_stale(Duration::from_secs(20 * 60)))
    .build()
    .unwrap();
    let token = sign(
        K::RsaA,
        "a",
        Algorithm::RS256,
        &claims_with("exp", serde_json::json!(NOW + 86_400)),
    );
    assert!(verifier.verify(&token).await.is_ok());
    server.set_status(500);
    clock.advance(Duration::from_secs(15 * 60));
    assert!(
        verifier.verify(&token).await.is_ok(),
        "stale but within max_stale"
    );
    clock.advance(Duration::from_secs(6 * 60));
    assert!(verifier.verify(&token).await.unwrap_err().is_unavailable());
}
