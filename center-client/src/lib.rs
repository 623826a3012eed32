//! The seal center as its clients see it: the wire types (seals, users and roles, audit events
//! and heads, approval requests), the HTTPS client, and the journal that keeps reports until the
//! center has them. The keeper's side (the command line's stamp, docseal-server, the keeper's
//! session) needs this and nothing of the server, its store, its CA or its TSA.

pub mod approvals;
pub mod audit;
pub mod client;
pub mod clock;
pub mod csrf;
pub mod error;
pub mod files;
pub mod registry;

pub use error::{Error, Result};
