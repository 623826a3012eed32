//! The seal center: one data directory (CA, configuration, the SQLite store unless PostgreSQL is
//! named), and the operations that change the registry — each one transaction that also appends
//! to the audit log and, when revocation changes, re-issues the CRL. One file per concern.

mod core;
mod crl;
mod lifecycle;
mod seals;
mod sessions;
mod usage;
mod users;

pub(crate) use self::core::off_thread;
pub use self::core::{Center, Config, InitOptions, ADMIN, CRL_FILE, HEAD_FILE};
pub use docseal_center_client::clock::now;
pub use seals::{Enrollment, NewSeal};
