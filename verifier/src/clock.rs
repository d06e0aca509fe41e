//! The injectable time source.

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::fetch::MaybeSendSync;

/// Where the verifier reads the current time: token expiry and JWKS cache ages.
///
/// The default is [`SystemClock`]. Tests pass a [`ManualClock`] and move it instead of
/// sleeping; an edge runtime without `SystemTime` passes its own.
pub trait Clock: MaybeSendSync + Debug {
    /// The current wall-clock time.
    fn now(&self) -> SystemTime;
}

/// The real wall clock: the operating system's natively, `Date.now()` on wasm32 (with the
/// `wasm` feature; `SystemTime::now()` panics there).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    // The one place that reads the wall clock; everything else goes through `Clock`.
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

#[cfg(all(target_arch = "wasm32", feature = "wasm"))]
impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        // Milliseconds since the epoch, as a float; never negative for real dates.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let millis = js_sys::Date::now().max(0.0) as u64;
        UNIX_EPOCH + Duration::from_millis(millis)
    }
}

/// A clock that only moves when told to, for tests.
///
/// Millisecond resolution; share it with an `Arc` to keep a handle after giving it to the
/// verifier.
#[derive(Debug, Default)]
pub struct ManualClock {
    millis_since_epoch: AtomicU64,
}

impl ManualClock {
    /// A clock standing at `unix_seconds` seconds after the Unix epoch.
    pub fn at_unix(unix_seconds: u64) -> Self {
        Self {
            millis_since_epoch: AtomicU64::new(unix_seconds.saturating_mul(1000)),
        }
    }

    /// Sets the clock to `unix_seconds` seconds after the Unix epoch.
    pub fn set_unix(&self, unix_seconds: u64) {
        self.millis_since_epoch
            .store(unix_seconds.saturating_mul(1000), Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.millis_since_epoch.fetch_add(millis, Ordering::SeqCst);
    }

    /// The current time in whole seconds since the Unix epoch.
    pub fn unix(&self) -> u64 {
        self.millis_since_epoch.load(Ordering::SeqCst) / 1000
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.millis_since_epoch.load(Ordering::SeqCst))
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> SystemTime {
        (**self).now()
    }
}

/// Seconds since the Unix epoch (0 for times before it).
pub(crate) fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// How long ago `earlier` was; zero if the clock went backwards.
pub(crate) fn elapsed(now: SystemTime, earlier: SystemTime) -> Duration {
    now.duration_since(earlier).unwrap_or(Duration::ZERO)
}
