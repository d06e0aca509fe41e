//! The key store: a static key set, or a cached remote JWKS with single-flight refresh.
//!
//! Readers load the current `KeySet` from an `ArcSwap` (no lock, no shared counter on the hot
//! path). Only refreshes take the async mutex; a caller that waited for it sees the generation
//! changed and uses the keys the other caller fetched instead of fetching again. Shortly before
//! the keys reach `max_age`, a verification starts a background refresh through the spawner,
//! so requests do not wait for the issuer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use arc_swap::ArcSwap;

use crate::alg::Algorithm;
use crate::clock::{Clock, elapsed};
use crate::error::{FetchError, VerifyError};
use crate::fetch::{JwksFetcher, RefreshPolicy};
use crate::keys::{KeySet, Lookup, keys_from_jwks_document};

/// A background JWKS refresh, handed to the spawner.
#[cfg(not(target_arch = "wasm32"))]
pub type BackgroundTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
/// A background JWKS refresh, handed to the spawner.
#[cfg(target_arch = "wasm32")]
pub type BackgroundTask = Pin<Box<dyn Future<Output = ()> + 'static>>;

/// Runs background refreshes (for example `tokio::spawn`). A spawner may drop a task it
/// cannot run; the next verification then tries again.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Spawner = Arc<dyn Fn(BackgroundTask) + Send + Sync>;
#[cfg(target_arch = "wasm32")]
pub(crate) type Spawner = Arc<dyn Fn(BackgroundTask)>;

/// Why a refresh is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// No keys yet, or the keys are older than `max_age`.
    Stale,
    /// The keys will soon reach `max_age` (background refresh).
    Ahead,
    /// A token named a `kid` the snapshot does not have.
    UnknownKid,
    /// The application asked.
    Explicit,
}

/// How current a snapshot is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Freshness {
    Fresh,
    /// Usable, but refresh it in the background now.
    RefreshSoon,
    /// Older than `max_age` (or never fetched): refresh before use.
    Stale,
}

#[derive(Debug, Default)]
struct RefreshState {
    /// Last fetch started because of an unknown `kid`.
    last_unknown_kid_fetch: Option<SystemTime>,
    /// Last failed fetch and its error, replayed during the cooldown.
    last_failure: Option<(SystemTime, FetchError)>,
}

pub(crate) struct RemoteKeys {
    url: String,
    fetcher: Arc<dyn JwksFetcher>,
    policy: RefreshPolicy,
    clock: Arc<dyn Clock>,
    spawner: Option<Spawner>,
    pub(crate) current: ArcSwap<KeySet>,
    refresh: async_lock::Mutex<RefreshState>,
    /// A background refresh is pending.
    background: AtomicBool,
}

impl fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current.load();
        f.debug_struct("RemoteKeys")
            .field("url", &self.url)
            .field("policy", &self.policy)
            .field("keys", &current.keys.len())
            .field("fetched_at", &current.fetched_at)
            .field("background_refresh", &self.spawner.is_some())
            .finish_non_exhaustive()
    }
}

/// Clears the pending flag when the background task ends or is dropped unrun.
struct Pending(Arc<RemoteKeys>);

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.background.store(false, Ordering::Release);
    }
}

impl RemoteKeys {
    pub(crate) fn new(
        url: String,
        fetcher: Arc<dyn JwksFetcher>,
        policy: RefreshPolicy,
        clock: Arc<dyn Clock>,
        spawner: Option<Spawner>,
    ) -> Self {
        Self {
            url,
            fetcher,
            policy,
            clock,
            spawner,
            current: ArcSwap::from_pointee(KeySet::default()),
            refresh: async_lock::Mutex::new(RefreshState::default()),
            background: AtomicBool::new(false),
        }
    }

    pub(crate) fn freshness(&self, set: &KeySet, now: SystemTime) -> Freshness {
        let Some(at) = set.fetched_at else {
            return Freshness::Stale;
        };
        let age = elapsed(now, at);
        if age >= self.policy.max_age {
            Freshness::Stale
        } else if age.saturating_add(self.policy.refresh_ahead) >= self.policy.max_age
            && self.spawner.is_some()
        {
            Freshness::RefreshSoon
        } else {
            Freshness::Fresh
        }
    }

    /// Starts one background refresh unless one is pending or there is no spawner.
    pub(crate) fn refresh_in_background(self: &Arc<Self>, seen: u64) {
        let Some(spawn) = &self.spawner else { return };
        if self.background.swap(true, Ordering::AcqRel) {
            return;
        }
        let pending = Pending(Arc::clone(self));
        spawn(Box::pin(async move {
            let _ = pending.0.refresh(Trigger::Ahead, seen).await;
            drop(pending);
        }));
    }

    /// The keys to verify a token with `kid` and `alg`: the snapshot, refreshed first if
    /// stale, and refetched once (subject to the cooldown) if the `kid` is unknown.
    pub(crate) async fn keys_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<KeySet>, VerifyError> {
        let mut set = self.current.load_full();
        let now = self.clock.now();
        if self.freshness(&set, now) == Freshness::Stale {
            set = match self.refresh(Trigger::Stale, set.generation).await {
                Ok(newer) => newer,
                Err(error) => {
                    let usable = set
                        .fetched_at
                        .is_some_and(|at| elapsed(now, at) < self.policy.max_stale);
                    if !usable || set.keys.is_empty() {
                        return Err(VerifyError::KeysUnavailable(error));
                    }
                    set
                }
            };
        }
        if !matches!(set.lookup(kid, alg), Lookup::Unknown) {
            return Ok(set);
        }
        match self.refresh(Trigger::UnknownKid, set.generation).await {
            Ok(newer) => Ok(newer),
            // The fetch failed: answer with the keys we have (the kid stays unknown).
            Err(_) => Ok(set),
        }
    }

    /// Fetches the JWKS unless another caller already replaced generation `seen`, or the
    /// cooldown forbids it. Returns the snapshot to use.
    pub(crate) async fn refresh(
        &self,
        trigger: Trigger,
        seen: u64,
    ) -> Result<Arc<KeySet>, FetchError> {
        let mut state = self.refresh.lock().await;
        let current = self.current.load_full();
        let now = self.clock.now();
        if current.generation != seen && trigger != Trigger::Explicit {
            // Someone fetched while we waited; for staleness also check it was not long ago.
            if trigger != Trigger::Stale || self.freshness(&current, now) != Freshness::Stale {
                return Ok(current);
            }
        }
        if trigger != Trigger::Explicit
            && let Some((at, error)) = &state.last_failure
            && elapsed(now, *at) < self.policy.cooldown
        {
            return Err(error.clone());
        }
        if trigger == Trigger::UnknownKid {
            if state
                .last_unknown_kid_fetch
                .is_some_and(|at| elapsed(now, at) < self.policy.cooldown)
            {
                return Ok(current);
            }
            state.last_unknown_kid_fetch = Some(now);
        }
        let max = self.policy.max_document_bytes;
        let fetched = self
            .fetcher
            .fetch(&self.url)
            .await
            .and_then(|body| {
                if body.len() > max {
                    Err(FetchError::TooLarge { max })
                } else {
                    Ok(body)
                }
            })
            .and_then(|body| keys_from_jwks_document(&body));
        match fetched {
            Ok(mut set) => {
                set.fetched_at = Some(self.clock.now());
                set.generation = current.generation.wrapping_add(1);
                let set = Arc::new(set);
                self.current.store(Arc::clone(&set));
                state.last_failure = None;
                tracing::debug!(url = %self.url, keys = set.keys.len(), ?trigger, "JWKS fetched");
                Ok(set)
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, ?trigger, "JWKS fetch failed");
                state.last_failure = Some((self.clock.now(), error.clone()));
                Err(error)
            }
        }
    }
}

/// Where a verifier's keys live.
#[derive(Debug)]
pub(crate) enum KeyStore {
    Static(KeySet),
    Remote(Arc<RemoteKeys>),
}
