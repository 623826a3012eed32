//! docseal-center: the seal center. It makes seals (its CA issues the seal certificates),
//! keeps the registry of seals and of the people who use them, revokes a lost seal at once with
//! a published CRL, and keeps a tamper-evident audit log — on embedded SQLite, or on PostgreSQL
//! when many clients or two center instances share one store.
//!
//! Data flows one way: an operation → one transaction (registry change, audit row, signed
//! head, CRL when revocation changed) → the data directory's copies after the commit.

#![warn(missing_docs)]
#![allow(missing_docs)] // The registry's plain records document themselves by their fields.

pub mod anchor;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod ca;
mod center;
mod claims;
mod csr;
mod http_error;
mod logins;
pub mod maker;
mod throttle;
pub use throttle::ClientLimit;
pub mod names;
pub mod password;
pub mod routes;
pub mod server;
pub mod store;
pub mod tls;
pub mod tsa;
mod unlock;

pub use center::{
    now, Center, Config, Enrollment, InitOptions, NewSeal, ADMIN, CRL_FILE, HEAD_FILE,
};
pub use error::{Error, Result};
// What the center shares with its clients lives in docseal-center-client; the center's own code
// reaches it under the same names.
pub use docseal_center_client::{client, error, files, registry};
