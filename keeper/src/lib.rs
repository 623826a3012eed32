//! The keeper's side of docseal: the seal keeper's session ([`Keeper`]: the center's check,
//! the issued seal, the key opened once, the approval, the stamp, the report — one workflow
//! every front end calls) and what it does with the world outside a document, so that the
//! engine does none of it behind the caller's back: the seal center ([`CenterLink`]), the
//! time-stamping authority over HTTP ([`HttpTsa`]), revocation lists fetched safely with a
//! freshness bound ([`CrlFetcher`]) and one clock ([`Clock`], honouring SOURCE_DATE_EPOCH).

mod clock;
mod error;
mod issued;
mod link;
pub mod revocation;
mod session;
mod tsa;
mod vetted;

pub use clock::Clock;
pub use error::{Error, Mismatch, Result};
pub use issued::IssuedSeal;
pub use link::{CenterLink, Recorded};
pub use revocation::{CrlFetcher, FetchPolicy, Sources};
pub use session::{
    Keeper, PictureSource, Sealed, Setup, Stamping, DEFAULT_COMMENT, DEFAULT_SIZE_MM,
};
pub use tsa::HttpTsa;
