//! The package: safe ZIP reading with limits, part names, content types, relationships, and a
//! writer that copies unchanged entries raw.

pub mod content_types;
pub mod limits;
pub mod package;
pub mod part_name;
pub mod rels;
pub mod view;
pub mod write;
pub mod xml_guard;

pub use limits::Limits;
pub use package::{Entry, Package, RelsPart};
pub use part_name::PartName;
pub use rels::Relationship;
pub use view::PackageView;
pub use write::Changes;
