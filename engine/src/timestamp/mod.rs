//! RFC 3161 time-stamps: asking a TSA for one when sealing (`client`), and reading and checking
//! one when verifying (`token`). A checked token is a proof that the signature existed at its
//! time, which is what lets a seal made before its certificate was revoked or expired stay valid
//! (ETSI EN 319 102-1 §5.6.2, proof of existence).

mod ber;
pub mod client;
pub mod policy;
pub mod responder;
pub mod token;

pub use client::{TimeStamper, TsaRequest};
