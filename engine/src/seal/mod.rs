//! Seal pictures: drawing the classic round official seal, turning a scanned seal into a
//! transparent one, and checking that a picture is fit to be stamped (PNG with transparency).

pub mod clean;
pub mod cross_out;
pub mod draw;
pub mod picture;
pub mod seseal;

pub use draw::{SealSpec, Shape};
pub use picture::SealPicture;
