//! The keeper's side of docseal: what it does with the world outside a document, so that the
//! engine does none of it behind the caller's back. Today: revocation lists fetched from a
//! certificate's distribution points, safely and with a freshness bound
//! ([`revocation::CrlFetcher`]), for `docseal verify` and for docseal-server.

pub mod revocation;
mod tsa;
mod vetted;

pub use revocation::{CrlFetcher, FetchPolicy, Sources};
pub use tsa::HttpTsa;
