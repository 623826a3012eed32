//! The keeper's one clock: the signing time a seal states. SOURCE_DATE_EPOCH (the
//! reproducible-builds.org convention: seconds since 1970-01-01 UTC) fixes it, so that the same
//! key, document and placement make the same bytes from the command line and from the pane.

use time::OffsetDateTime;

/// The variable that fixes the clock.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system's time at each seal.
    System,
    /// One time for every seal.
    Fixed(OffsetDateTime),
}

impl Clock {
    /// SOURCE_DATE_EPOCH when set, else the system clock.
    pub fn from_env() -> Result<Clock, docseal::Error> {
        match std::env::var(SOURCE_DATE_EPOCH) {
            Ok(v) => Clock::from_epoch(&v),
            Err(_) => Ok(Clock::System),
        }
    }

    /// The clock a SOURCE_DATE_EPOCH value fixes.
    pub fn from_epoch(v: &str) -> Result<Clock, docseal::Error> {
        v.trim()
            .parse::<i64>()
            .ok()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(Clock::Fixed)
            .ok_or_else(|| {
                docseal::Error::arg(format!("{SOURCE_DATE_EPOCH}={v:?}"), "not a Unix time")
            })
    }

    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::System => OffsetDateTime::now_utc(),
            Clock::Fixed(t) => *t,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_fixes_the_clock_and_nonsense_is_named() {
        let c = Clock::from_epoch("1764547200").unwrap();
        assert_eq!(c.now().unix_timestamp(), 1_764_547_200);
        assert_eq!(c.now(), c.now());
        let e = Clock::from_epoch("yesterday").unwrap_err().to_string();
        assert!(
            e.contains("SOURCE_DATE_EPOCH") && e.contains("not a Unix time"),
            "{e}"
        );
    }
}
