//! The worker in the real runtime: `workerd` (npm) on loopback runs worker.js and the wasm,
//! fetching the JWKS from a small HTTP server this test starts. Tokens are signed here with
//! tests/issuer-key.pem (RS256, like our server's).
//!
//! Needs build/ (the wasm-bindgen output) and node_modules/.bin/workerd, which `cargo xtask
//! test` provides before it runs this with `EDGE_WORKER_TEST=required`. Without them the
//! test says so and passes, so a plain `cargo test --workspace` works on a machine that has
//! not built the worker.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{Value, json};
use signature::{SignatureEncoding as _, Signer as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "edge-api";
const KID: &str = "2025-01";

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

struct Issuer {
    key: rsa::PrivateKey,
}

impl Issuer {
    fn load() -> Self {
        let pem = include_str!("issuer-key.pem");
        Self {
            key: rsa::PrivateKey::from_pkcs8_pem(pem).unwrap(),
        }
    }

    fn jwks(&self) -> String {
        json!({"keys": [{
            "kty": "RSA", "kid": KID, "alg": "RS256", "use": "sig",
            "n": b64(&self.key.n().to_be_bytes_trimmed_vartime()),
            "e": b64(&self.key.e().to_be_bytes_trimmed_vartime()),
        }]})
        .to_string()
    }

    fn sign(&self, claims: &Value) -> String {
        let header = json!({"alg": "RS256", "kid": KID, "typ": "at+jwt"});
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(self.key.clone());
        format!("{input}.{}", b64(&signer.sign(input.as_bytes()).to_vec()))
    }
}

/// The worker reads the real clock (`Date.now()` in workerd), so its tokens are dated by it.
#[allow(clippy::disallowed_methods)]
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(sub: &str, exp: u64) -> Value {
    let now = now();
    json!({
        "iss": ISSUER, "sub": sub, "aud": AUDIENCE, "exp": exp, "iat": now - 60,
        "email": "ada@example.com", "roles": ["admin"]
    })
}

/// Serves `body` as the JWKS to every request on 127.0.0.1:0, counting them.
async fn jwks_server(body: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    (url, hits)
}

/// A free loopback port for workerd (`--socket-addr` takes an address, not a socket).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// `GET /` with an optional bearer token, over a fresh connection.
async fn get(port: u16, token: Option<&str>) -> Result<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let authorization = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n{authorization}connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("no end of headers")?;
    let status = head
        .split_whitespace()
        .nth(1)
        .context("no status")?
        .parse()?;
    Ok(Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

/// Starts workerd on `port` and waits (up to 20 s) until it answers.
async fn start_workerd(workerd: &Path, port: u16, jwks_url: &str) -> Result<Child> {
    let mut child = Command::new(workerd)
        .current_dir(dir())
        .args(["serve", "config.capnp", "--socket-addr"])
        .arg(format!("http=127.0.0.1:{port}"))
        .env("ISSUER", ISSUER)
        .env("AUDIENCE", AUDIENCE)
        .env("JWKS_URL", jwks_url)
        .env_remove("JWKS")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", workerd.display()))?;
    for _ in 0..400 {
        if let Some(status) = child.try_wait()? {
            bail!("workerd exited early ({status})");
        }
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("workerd did not answer on 127.0.0.1:{port} within 20 s")
}

#[tokio::test]
async fn verifies_bearer_tokens_in_workerd() {
    let wasm = dir().join("build/example_edge_worker_bg.wasm");
    let workerd = dir().join("node_modules/.bin/workerd");
    if !(wasm.exists() && workerd.exists()) {
        let missing = "the worker is not built (build/) or workerd is not installed \
                       (node_modules/): `cargo xtask test` does both";
        assert!(
            std::env::var("EDGE_WORKER_TEST").as_deref() != Ok("required"),
            "{missing}"
        );
        eprintln!("skipped: {missing}");
        return;
    }

    let issuer = Issuer::load();
    let (jwks_url, hits) = jwks_server(issuer.jwks()).await;
    let port = free_port();
    let mut child = start_workerd(&workerd, port, &jwks_url).await.unwrap();

    let exp = now() + 600;
    let valid = issuer.sign(&claims("user-42", exp));
    let answer = get(port, Some(&valid)).await.unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["sub"], "user-42");
    assert_eq!(answer.json()["roles"], json!(["admin"]));

    let missing = get(port, None).await.unwrap();
    assert_eq!(missing.status, 401, "{}", missing.body);
    assert_eq!(missing.header("www-authenticate"), Some("Bearer"));

    let expired = issuer.sign(&claims("user-42", now() - 120));
    let answer = get(port, Some(&expired)).await.unwrap();
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert_eq!(
        answer.header("www-authenticate"),
        Some(r#"Bearer error="invalid_token""#)
    );
    assert!(answer.body.contains("expired"), "{}", answer.body);

    // The valid token's signature on a payload naming someone else.
    let (header, rest) = valid.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    let payload = b64(claims("admin", exp).to_string().as_bytes());
    let forged = format!("{header}.{payload}.{signature}");
    let answer = get(port, Some(&forged)).await.unwrap();
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(answer.body.contains("signature"), "{}", answer.body);

    // Another audience's token, and garbage.
    let mut other = claims("user-42", exp);
    other["aud"] = json!("another-api");
    let answer = get(port, Some(&issuer.sign(&other))).await.unwrap();
    assert_eq!(answer.status, 401, "{}", answer.body);
    let answer = get(port, Some("not-a-jwt")).await.unwrap();
    assert_eq!(answer.status, 401, "{}", answer.body);

    // The isolate kept its verifier: one JWKS fetch for all of the above.
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    child.kill().await.unwrap();
}
