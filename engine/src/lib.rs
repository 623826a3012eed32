//! docseal: electronic seals for Word and Excel documents.
//!
//! A seal is an OOXML package signature (ECMA-376 Part 2 §13, XML-DSig with XAdES) made with the
//! seal's key, plus — in later layers — a visible seal picture bound to it. Data flows one way:
//! package in → (place picture) → signature facets → signer → package out; and for checking:
//! package in → parse signatures → references and coverage → trust → report.

// The façade: what the command line, the keeper's session, the add-in server and the seal
// center use — sign, stamp, verify, keys and seal pictures. Everything below it is the
// engine's inside, free to change: crate-private unless the `testing` feature opens it.
pub use algorithm::DigestAlg;
pub use datetime::format_time;
pub use dsig::{LongTermData, SignOptions};
pub use error::{Error, ErrorClass, Result};
pub use mark::mark_file;
pub use opc::new_file::{refuse_non_file, refuse_same_file};
pub use opc::source::read_document;
pub use opc::write::{write_atomically, write_bytes_atomically};
pub use opc::Limits;
pub use place::{check_offset, Occurrence, Placed, Placement};
pub use sign::{sign_bytes, sign_file};
pub use stamp::{stamp_bytes, stamp_bytes_to_file, stamp_file, stamp_to_bytes, StampOptions};
pub use timestamp::{TimeStamper, TsaRequest};
pub use trust::{Cert, Crl, Lookup, Revocation, RevocationSource, Status, Validator};
pub use verify::signature::parse_time;
pub use verify::{
    verify_bytes, verify_file, LineReport, MadeWith, Report, SealStatus, Severity, SignatureReport,
    TimeSource, Verdict, VerifyOptions,
};

/// Keys: files (PKCS#12, PEM) and tokens (PKCS#11), and seals made on a token.
pub mod keys {
    pub use crate::crypto::ecdsa_der;
    #[cfg(feature = "pkcs11")]
    pub use crate::signer::keygen::{generate, KeyType, TokenKeyPair};
    pub use crate::signer::load;
    #[cfg(feature = "pkcs11")]
    pub use crate::signer::pkcs11::{context, module_path, public_certificate, tokens, TokenRef};
    pub use crate::signer::unlock::{Ask, Unlock};
    pub use crate::signer::uri::Pkcs11Uri;
    pub use crate::signer::LoadedKey;
    pub use crate::signer::Signer;
    pub use crate::trust::ID_KP_SEAL_MAKING_DER;
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

/// Whole folders: `docseal batch` and `verify --recursive`.
pub mod batch;
/// Entry points for fuzzers and the fuzz tests: the same calls a harness drives.
#[cfg(feature = "testing")]
pub mod fuzzing;
mod key_policy;
mod tlv;

/// The engine's inside: reachable from outside only with the `testing` feature (the
/// integration tests, fuzzers and benchmarks); to everyone else the façade above is the wall.
macro_rules! inside {
    ($($name:ident),* $(,)?) => {
        $(
            #[cfg(feature = "testing")]
            #[doc(hidden)]
            pub mod $name;
            #[cfg(not(feature = "testing"))]
            #[allow(unreachable_pub)]
            pub(crate) mod $name;
        )*
    };
}

inside!(
    algorithm, c14n, crypto, datetime, dsig, error, mark, opc, place, seal, sign, signer, slot,
    stamp, timestamp, trust, verify, xml,
);
