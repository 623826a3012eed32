//! The seal center as the keeper's session sees it: is this seal usable, take the approval for
//! these bytes, record this use. A running center through its client and journal is one link;
//! the command line's `--data-dir` (the center's own directory, read directly) is another.

use std::sync::{Arc, Mutex};

use docseal_center_client::client::{Client, Report};
use docseal_center_client::registry::Seal;
use docseal_center_client::Error as CenterError;

/// How a use was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// The center has it.
    Sent,
    /// Kept in the journal until the center answers; `waiting` reports in all.
    Queued { waiting: usize },
}

pub trait CenterLink: Send {
    /// The seal's record, checked usable (not suspended, not revoked); `Ok(None)` when the
    /// center cannot be reached and the use goes ahead unchecked, to be reported later.
    fn check_usable(&mut self, seal: &str) -> Result<Option<Seal>, CenterError>;
    /// Why the center is out of reach, when it is.
    fn offline_reason(&self) -> Option<String>;
    /// Takes (consumes, once) the approval for `seal` on the document whose SHA-256 is
    /// `digest_hex`: the one named, else the approved request for these bytes.
    fn take_approval(
        &mut self,
        seal: &str,
        given: Option<&str>,
        digest_hex: &str,
    ) -> Result<docseal::seal_data::Approval, CenterError>;
    /// Records one use.
    fn record(&mut self, report: &Report) -> Result<Recorded, CenterError>;
}

impl CenterLink for Client {
    fn check_usable(&mut self, seal: &str) -> Result<Option<Seal>, CenterError> {
        Client::check_usable(self, seal)
    }

    fn offline_reason(&self) -> Option<String> {
        Client::offline_reason(self).map(str::to_string)
    }

    fn take_approval(
        &mut self,
        seal: &str,
        given: Option<&str>,
        digest_hex: &str,
    ) -> Result<docseal::seal_data::Approval, CenterError> {
        Client::take_approval(self, seal, given, digest_hex).map(|a| a.signed_property())
    }

    fn record(&mut self, report: &Report) -> Result<Recorded, CenterError> {
        match self.report(report)? {
            true => Ok(Recorded::Sent),
            false => Ok(Recorded::Queued {
                waiting: self.pending().unwrap_or(0),
            }),
        }
    }
}

/// One client shared by a server's requests.
impl CenterLink for Arc<Mutex<Client>> {
    fn check_usable(&mut self, seal: &str) -> Result<Option<Seal>, CenterError> {
        lock(self)?.check_usable(seal)
    }

    fn offline_reason(&self) -> Option<String> {
        self.lock()
            .ok()
            .and_then(|c| c.offline_reason().map(str::to_string))
    }

    fn take_approval(
        &mut self,
        seal: &str,
        given: Option<&str>,
        digest_hex: &str,
    ) -> Result<docseal::seal_data::Approval, CenterError> {
        CenterLink::take_approval(&mut *lock(self)?, seal, given, digest_hex)
    }

    fn record(&mut self, report: &Report) -> Result<Recorded, CenterError> {
        CenterLink::record(&mut *lock(self)?, report)
    }
}

fn lock(c: &Arc<Mutex<Client>>) -> Result<std::sync::MutexGuard<'_, Client>, CenterError> {
    c.lock()
        .map_err(|_| CenterError::Io("the seal center client failed in another request".into()))
}
