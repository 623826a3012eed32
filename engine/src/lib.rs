//! docseal: electronic seals for Word and Excel documents.
//!
//! A seal is an OOXML package signature (ECMA-376 Part 2 §13, XML-DSig with XAdES) made with the
//! seal's key, plus — in later layers — a visible seal picture bound to it. Data flows one way:
//! package in → (place picture) → signature facets → signer → package out; and for checking:
//! package in → parse signatures → references and coverage → trust → report.

#![warn(missing_docs)]

// The façade: what the command line, the add-in server and the seal center use — sign, stamp,
// verify, keys and seal pictures. Everything below it is the engine's inside: public so that the
// integration tests, fuzzers and benchmarks can reach it, hidden from the documentation, and
// free to change.
pub use algorithm::DigestAlg;
pub use datetime::format_time;
pub use dsig::{LongTermData, SignOptions};
pub use error::{Error, ErrorClass, Result};
pub use mark::mark_file;
pub use opc::new_file::refuse_same_file;
pub use opc::write::{write_atomically, write_bytes_atomically};
pub use place::{Occurrence, Placed, Placement};
pub use sign::{sign_bytes, sign_file};
pub use stamp::{stamp_bytes, stamp_bytes_to_file, stamp_file, stamp_to_bytes, StampOptions};
pub use timestamp::{TimeStamper, TsaRequest};
pub use trust::{Cert, Crl, Lookup, RevocationSource, Validator};
pub use verify::signature::parse_time;
pub use verify::{
    verify_bytes, verify_file, LineReport, MadeWith, Report, SealStatus, Severity, SignatureReport,
    TimeSource, Verdict, VerifyOptions,
};

/// Keys: files (PKCS#12, PEM) and tokens (PKCS#11), and seals made on a token.
pub mod keys {
    pub use crate::signer::keygen::{generate, KeyType, TokenKeyPair};
    pub use crate::signer::load;
    pub use crate::signer::pkcs11::{context, module_path, tokens, TokenRef};
    pub use crate::signer::unlock::{Ask, Unlock};
    pub use crate::signer::uri::Pkcs11Uri;
    pub use crate::signer::LoadedKey;
    pub use crate::signer::Signer;
}

/// Time-stamps: answering RFC 3161 requests (the seal center's own TSA).
pub mod tsa {
    pub use crate::timestamp::responder::{respond, Answer, Refusal, Tsa};
    pub use crate::timestamp::token::check;
}

/// Seal pictures: drawn from a name, cleaned from a scan, or given as a PNG.
pub mod pictures {
    pub use crate::seal::clean::from_scan;
    pub use crate::seal::draw::{parse_color, render_png};
    pub use crate::seal::picture::size_mm;
    pub use crate::seal::{SealPicture, SealSpec, Shape};
}

/// Seal slots: signature lines placed before the first seal, one per party, each filled by a
/// signature of its own (`stamp --into-slot`).
pub mod slots {
    pub use crate::slot::word::flat_opc as word_flat_opc;
    pub use crate::slot::{add_bytes, add_file, list_file, AddedSlot, Slot, SlotRequest};
}

/// Seal data (GB/T 38540-2020 `SESeal`): made by a seal center, read and checked by verifiers.
pub mod seal_data {
    pub use crate::dsig::seal_data::Approval;
    pub use crate::seal::seseal::{make, NewSeal, SealData, SealDataProblem};
}

#[doc(hidden)]
pub mod algorithm;
/// Whole folders: `docseal batch` and `verify --recursive`.
pub mod batch;
#[doc(hidden)]
pub mod c14n;
#[doc(hidden)]
pub mod crypto;
#[doc(hidden)]
pub mod datetime;
#[doc(hidden)]
pub mod dsig;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
mod key_policy;
#[doc(hidden)]
pub mod mark;
#[doc(hidden)]
pub mod opc;
#[doc(hidden)]
pub mod place;
#[doc(hidden)]
pub mod seal;
#[doc(hidden)]
pub mod sign;
#[doc(hidden)]
pub mod signer;
#[doc(hidden)]
pub mod slot;
#[doc(hidden)]
pub mod stamp;
#[doc(hidden)]
pub mod timestamp;
mod tlv;
#[doc(hidden)]
pub mod trust;
#[doc(hidden)]
pub mod verify;
#[doc(hidden)]
pub mod xml;
