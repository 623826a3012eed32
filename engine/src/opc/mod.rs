//! The package: safe ZIP reading with limits, part names, content types, relationships, the one
//! editor every writer of markup goes through, and a writer that copies unchanged entries raw.

pub mod content_types;
pub mod edit;
pub mod foreign;
pub mod limits;
pub mod new_file;
pub mod package;
pub mod part_name;
mod prefault;
pub mod rels;
pub mod source;
pub mod splice;
pub mod write;
pub mod xml_guard;
pub mod zip_check;

pub use edit::PackageEdit;

/// Where Office keeps the signature machinery (ECMA-376 Part 2 §13.2.2: the digital signature
/// origin part and the signature parts it relates to).
pub const SIGNATURE_DIR: &str = "/_xmlsignatures/";
pub const ORIGIN_PART: &str = "/_xmlsignatures/origin.sigs";
pub use limits::Limits;
pub use package::{Entry, Package, RelsPart};
pub use part_name::PartName;
pub use rels::{Relationship, Target};
pub use write::Changes;
