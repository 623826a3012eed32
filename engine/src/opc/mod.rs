//! The package: safe ZIP reading with limits, part names, content types, relationships, the one
//! editor every writer of markup goes through, and a writer that copies unchanged entries raw.

pub mod content_types;
pub mod edit;
pub mod foreign;
pub mod limits;
mod needles;
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

pub use limits::Limits;
pub use package::{Entry, Package, RelsPart};
pub use part_name::{PartName, ORIGIN_PART, SIGNATURE_DIR};
pub use rels::{Relationship, Target};
