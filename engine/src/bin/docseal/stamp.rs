//! `docseal stamp`: place the seal picture, then sign, in one pass.

use crate::args::StampArgs;
use docseal::Error;

pub fn run(_a: StampArgs) -> Result<u8, Error> {
    Err(Error::Usage("stamp: not yet".into()))
}
