//! The resend countdown, with an injectable tick.
//!
//! [`Countdown::new`] ticks once a second through `setInterval` while it runs;
//! [`Countdown::manual`] ticks only when [`Countdown::tick`] is called, so tests move time
//! without sleeping.

use std::time::Duration;

use leptos::prelude::*;

/// Seconds left before something may happen again (a resend), as a signal.
#[derive(Debug, Clone, Copy)]
pub struct Countdown {
    left: RwSignal<u32>,
    interval: StoredValue<Option<IntervalHandle>>,
    manual: bool,
}

impl Countdown {
    /// A countdown driven by the browser's timer, stopped when its owner is cleaned up.
    pub fn new() -> Self {
        let this = Self::build(false);
        on_cleanup(move || this.stop());
        this
    }

    /// A countdown that moves only through [`Countdown::tick`] (for tests and demos).
    pub fn manual() -> Self {
        Self::build(true)
    }

    fn build(manual: bool) -> Self {
        Self {
            left: RwSignal::new(0),
            interval: StoredValue::new(None),
            manual,
        }
    }

    /// Starts (or restarts) the countdown at `secs`.
    pub fn start(&self, secs: u32) {
        self.left.try_set(secs);
        if self.manual || self.interval.try_with_value(Option::is_some) != Some(false) {
            return;
        }
        let this = *self;
        if let Ok(handle) = set_interval_with_handle(move || this.tick(), Duration::from_secs(1)) {
            self.interval.try_set_value(Some(handle));
        }
    }

    /// One second passes.
    pub fn tick(&self) {
        self.left.try_update(|left| *left = left.saturating_sub(1));
        if self.left.try_get_untracked() == Some(0) {
            self.stop();
        }
    }

    /// Stops the countdown at zero.
    pub fn stop(&self) {
        if self.left.try_get_untracked() != Some(0) {
            self.left.try_set(0);
        }
        if let Some(Some(handle)) = self.interval.try_update_value(Option::take) {
            handle.clear();
        }
    }

    /// The seconds left; zero when the countdown is not running.
    pub fn remaining(&self) -> Signal<u32> {
        self.left.into()
    }
}

impl Default for Countdown {
    fn default() -> Self {
        Self::new()
    }
}
