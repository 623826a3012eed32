//! The center's clock: seconds since 1970, UTC, as the store keeps every time.

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
