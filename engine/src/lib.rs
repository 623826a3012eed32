//! docseal: electronic seals for Word and Excel documents.
//!
//! A seal is an OOXML package signature (ECMA-376 Part 2 §13, XML-DSig with XAdES) made with the
//! seal's key, plus — in later layers — a visible seal picture bound to it. Data flows one way:
//! package in → (place picture) → signature facets → signer → package out; and for checking:
//! package in → parse signatures → references and coverage → trust → report.

pub mod algorithm;
pub mod batch;
pub mod c14n;
pub mod crypto;
pub mod datetime;
pub mod dsig;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod mark;
pub mod opc;
pub mod place;
pub mod seal;
pub mod sign;
pub mod signer;
pub mod stamp;
pub mod timestamp;
mod tlv;
pub mod trust;
pub mod verify;
pub mod xml;

pub use error::{Error, Result};
pub use verify::{verify_file, Report, Verdict, VerifyOptions};
