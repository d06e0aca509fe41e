//! The key store: a static key set, or a cached remote JWKS with single-flight refresh.
//!
//! Readers load an `Arc<KeySet>` snapshot from an `ArcSwap` (no lock on the hot path). Only
//! refreshes take the async mutex; a caller that waited for it sees the generation changed and
//! uses the keys the other caller fetched instead of fetching again.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use arc_swap::ArcSwap;

use crate::clock::{Clock, elapsed};
use crate::error::{FetchError, VerifyError};
use crate::fetch::{JwksFetcher, RefreshPolicy};
use crate::keys::{KeySet, keys_from_jwks_document};

/// Why a refresh is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// No keys yet, or the keys are older than `max_age`.
    Stale,
    /// A token named a `kid` the snapshot does not have.
    UnknownKid,
    /// The application asked.
    Explicit,
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
    current: ArcSwap<KeySet>,
    refresh: async_lock::Mutex<RefreshState>,
}

impl fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let current = self.current.load();
        f.debug_struct("RemoteKeys")
            .field("url", &self.url)
            .field("policy", &self.policy)
            .field("keys", &current.keys.len())
            .field("fetched_at", &current.fetched_at)
            .finish_non_exhaustive()
    }
}

impl RemoteKeys {
    pub(crate) fn new(url: String, fetcher: Arc<dyn JwksFetcher>, policy: RefreshPolicy) -> Self {
        Self {
            url,
            fetcher,
            policy,
            current: ArcSwap::from_pointee(KeySet::default()),
            refresh: async_lock::Mutex::new(RefreshState::default()),
        }
    }

    /// The generation of the current snapshot.
    pub(crate) fn snapshot_generation(&self) -> u64 {
        self.current.load().generation
    }

    fn is_fresh(&self, set: &KeySet, now: SystemTime) -> bool {
        set.fetched_at
            .is_some_and(|at| elapsed(now, at) < self.policy.max_age)
    }

    /// The keys to verify with: the cached snapshot, refreshed first if stale. Stale keys are
    /// still used if the refresh fails.
    pub(crate) async fn snapshot(&self, clock: &dyn Clock) -> Result<Arc<KeySet>, VerifyError> {
        let current = self.current.load_full();
        if self.is_fresh(&current, clock.now()) {
            return Ok(current);
        }
        match self
            .refresh(clock, Trigger::Stale, current.generation)
            .await
        {
            Ok(set) => Ok(set),
            Err(_) if !current.keys.is_empty() => Ok(current),
            Err(error) => Err(VerifyError::KeysUnavailable(error)),
        }
    }

    /// Fetches the JWKS unless another caller already replaced generation `seen`, or the
    /// cooldown forbids it. Returns the snapshot to use.
    pub(crate) async fn refresh(
        &self,
        clock: &dyn Clock,
        trigger: Trigger,
        seen: u64,
    ) -> Result<Arc<KeySet>, FetchError> {
        let mut state = self.refresh.lock().await;
        let current = self.current.load_full();
        let now = clock.now();
        if current.generation != seen {
            // Someone fetched while we waited; for staleness also check it was not long ago.
            if trigger != Trigger::Stale || self.is_fresh(&current, now) {
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
        let fetched = self
            .fetcher
            .fetch(&self.url)
            .await
            .and_then(|body| keys_from_jwks_document(&body));
        match fetched {
            Ok(keys) => {
                let set = Arc::new(KeySet {
                    keys,
                    fetched_at: Some(clock.now()),
                    generation: current.generation.wrapping_add(1),
                });
                self.current.store(Arc::clone(&set));
                state.last_failure = None;
                tracing::debug!(url = %self.url, keys = set.keys.len(), ?trigger, "JWKS fetched");
                Ok(set)
            }
            Err(error) => {
                tracing::warn!(url = %self.url, %error, ?trigger, "JWKS fetch failed");
                state.last_failure = Some((clock.now(), error.clone()));
                Err(error)
            }
        }
    }
}

/// Where a verifier's keys live.
#[derive(Debug)]
pub(crate) enum KeyStore {
    Static(Arc<KeySet>),
    Remote(RemoteKeys),
}
