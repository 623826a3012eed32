//! XML as OOXML uses it, read and edited by namespace and structure, never by spelling.
//!
//! A document may bind WordprocessingML to `w:`, to `ns0:`, or to the default namespace; an empty
//! element may be written `<x/>` or `<x></x>`. Namespaces in XML 1.0 (§6.2, "Namespace
//! Defaulting") says an element's expanded name is what counts, and ECMA-376 Part 1 §L.2.2 lets
//! consumers choose no prefix in particular. So every lookup here goes through a [`scan::Scanner`]
//! that resolves prefixes against the bindings in scope, and every insertion is built as an
//! [`build::El`] tree that reuses the prefixes in scope at the insertion point, or declares its own.
//! Bytes outside the insertion point stay as they were.

pub mod build;
pub mod edit;
pub mod escape;
pub mod ns;
pub mod scan;
pub mod scope;

pub use build::El;
pub use escape::{escape_attr, escape_text};
pub use scan::Scanner;
pub use scope::Scope;
