//! What a verification is told: whom to trust, at what time to judge, how large a document may
//! be, and whether a seal picture no center issued is an error.

use time::OffsetDateTime;

use crate::opc::Limits;
use crate::trust::Validator;

/// What the verifier trusts, and when it judges.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    pub trust: Validator,
    /// Judge certificate validity at this time instead of each signature's signing time.
    pub at: Option<OffsetDateTime>,
    pub limits: Limits,
    /// A seal picture that no seal center issued (no GB/T 38540 seal data) is an error, not a
    /// warning (`--require-issued-seals`; the server when a center is configured).
    pub require_issued_seals: bool,
}
