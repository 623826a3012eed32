//! Trust at the best signature time (ETSI EN 319 102-1 §5.6.2.1): the earliest time-stamp whose
//! TSA is trusted proves the signature existed then; without one, only the time of verification
//! is proven (`--at` asserts another). The path to an anchor, the certificates' validity and
//! revocation are all judged at that time, so a seal made before its certificate was revoked or
//! expired stays valid, and a backdated one does not.

use std::borrow::Cow;

use time::OffsetDateTime;

use super::super::finding::Finding;
use super::super::report::{RevocationReport, RevocationStatus, TimeSource};
use super::super::timestamps::{self, TimestampKind};
use super::check::SignatureCheck;
use crate::datetime::format_time;
use crate::trust::{Cert, PathCheck, Revocation, Status, Validator};

impl SignatureCheck {
    /// Judges the time-stamps, the best signature time, the signer's path, its revocation and
    /// its validity, against `store` and the CRLs the signature embeds (XAdES-X-L).
    pub fn check_trust(&mut self, store: &Validator, at: Option<OffsetDateTime>) {
        let store = with_crls(store, &self.embedded_crls);
        self.judge_timestamps(&store);
        let Some(signer) = self.signer.clone() else {
            return;
        };
        let (when, source) = self.best_time_at(&store, at);
        self.best_time = Some((when, source));
        let (path, status) = self.path_and_revocation(&store, &signer, when);
        let revocation = self.judge_revocation(&path, status.as_ref(), when, source);
        self.judge_signer(&signer, path, when, source);
        if self.trusted
            && revocation.status == RevocationStatus::Unknown
            && !signer.crl_distribution_points().is_empty()
        {
            // The signer names where its revocation is published and nothing answered for the
            // time judged: the seal is intact and trusted, but whether it was reported lost is
            // not known — never the same as "good" (the pane shows it amber).
            self.findings.push(Finding::warning(
                "revocation-unchecked",
                Some(&self.part.to_string()),
                "revocation not checked: no current revocation list or seal center answered for this seal, so whether it was reported lost is not known".to_string(),
            ));
        }
        self.revocation = Some(revocation);
    }

    fn judge_timestamps(&mut self, store: &Validator) {
        timestamps::judge_trust(&mut self.timestamps, store);
        let part = self.part.to_string();
        for t in &self.timestamps {
            if let (Ok(_), false) = (&t.result, t.trusted) {
                let why = t.trust_problem.clone().unwrap_or_default();
                self.findings.push(Finding::warning(
                    "timestamp-untrusted",
                    Some(&part),
                    format!(
                        "the time-stamp's authority is not trusted, so it proves no time: {why}"
                    ),
                ));
            }
        }
    }

    /// The earliest trusted signature time-stamp, else the asserted time, else now.
    fn best_time_at(
        &self,
        store: &Validator,
        at: Option<OffsetDateTime>,
    ) -> (OffsetDateTime, TimeSource) {
        let proven = self
            .timestamps
            .iter()
            .filter(|t| t.kind == TimestampKind::Signature && t.trusted)
            .filter_map(|t| t.result.as_ref().ok().map(|ts| ts.time))
            .min();
        match (proven, at) {
            (Some(t), _) => (t, TimeSource::Timestamp),
            (None, Some(a)) => (a, TimeSource::Asserted),
            (None, None) => (store.now(), TimeSource::VerificationTime),
        }
    }

    /// The signer's path at `when`; when it validated to an anchor, the caller's revocation
    /// source is asked about it (and only then: an untrusted signer makes it fetch nothing), and
    /// the path is judged again with what the source found.
    fn path_and_revocation(
        &mut self,
        store: &Validator,
        signer: &Cert,
        when: OffsetDateTime,
    ) -> (PathCheck, Option<Status>) {
        let path = store.check(signer, &self.pool, when);
        let Some(source) = store.revocation.as_ref().filter(|_| path.trusted) else {
            return (path, None);
        };
        let found = source.lookup(&path.chain);
        let part = self.part.to_string();
        for (code, message) in &found.notes {
            self.findings
                .push(Finding::info(code, Some(&part), message.clone()));
        }
        if found.crls.is_empty() {
            return (path, found.status);
        }
        let store = with_crls(store, &found.crls);
        (store.check(signer, &self.pool, when), found.status)
    }

    /// The revocation status at `when`, from a seal center's answer when there is one, else
    /// from the CRLs; the findings that say what it means.
    fn judge_revocation(
        &mut self,
        path: &PathCheck,
        status: Option<&Status>,
        when: OffsetDateTime,
        source: TimeSource,
    ) -> RevocationReport {
        let part = self.part.to_string();
        let (revoked, answered, from) = match status {
            Some(s) => (s.revoked.as_ref(), true, s.source),
            None => (path.revoked.as_ref(), path.crl_checked, "crl"),
        };
        let when_text = format_time(when);
        match revoked {
            Some(r) if r.at <= when => {
                self.revoked = true;
                self.findings.push(Finding::warning(
                    "revoked",
                    Some(&part),
                    revoked_why(r, source, &when_text),
                ));
                RevocationReport::revoked(r, from)
            }
            Some(r) => {
                self.findings.push(Finding::info(
                    "revoked-after-signing",
                    Some(&part),
                    format!(
                        "{} was revoked on {}, after the time-stamp proves the seal was made ({when_text}): the seal stands",
                        r.subject,
                        format_time(r.at)
                    ),
                ));
                RevocationReport::good_then(r, from)
            }
            None if answered => RevocationReport::good(from),
            None => {
                if path.crl_stale {
                    self.findings.push(Finding::warning(
                        "crl-stale",
                        Some(&part),
                        format!(
                            "the seal center's CRL is past its next update at {when_text}: revocation status unknown"
                        ),
                    ));
                }
                RevocationReport::unknown()
            }
        }
    }

    /// The signer's certificate at `when`, and whether its path makes it a trusted seal.
    fn judge_signer(
        &mut self,
        signer: &Cert,
        path: PathCheck,
        when: OffsetDateTime,
        source: TimeSource,
    ) {
        let part = self.part.to_string();
        if !signer.valid_at(when) {
            let proof = match source {
                TimeSource::Timestamp => "",
                TimeSource::VerificationTime => "; signing time not proven (no trusted time-stamp)",
                TimeSource::Asserted => " (the asserted time)",
            };
            self.findings.push(Finding::warning(
                "certificate-not-valid",
                Some(&part),
                format!(
                    "the signing certificate was not valid at {} (valid {} to {}){proof}",
                    format_time(when),
                    format_time(signer.not_before()),
                    format_time(signer.not_after())
                ),
            ));
            return;
        }
        let service = crate::trust::service_only(signer);
        self.trusted = path.trusted && service.is_none();
        if !self.trusted {
            let why = service
                .or(path.problem)
                .unwrap_or_else(|| "the signer is not trusted".into());
            self.findings
                .push(Finding::warning("untrusted-signer", Some(&part), why));
        }
    }
}

/// Why a revoked seal's signature proves nothing, by what proves the time judged.
fn revoked_why(r: &Revocation, source: TimeSource, when_text: &str) -> String {
    let at_text = format_time(r.at);
    match source {
        TimeSource::Timestamp => format!(
            "sealed after the seal was reported lost: {} was revoked on {at_text}, and the time-stamp proves the seal was made at {when_text}",
            r.subject
        ),
        TimeSource::VerificationTime => format!(
            "{} was revoked on {at_text}; signing time not proven (no trusted time-stamp)",
            r.subject
        ),
        TimeSource::Asserted => format!(
            "{} was revoked on {at_text}, before the asserted time {when_text}",
            r.subject
        ),
    }
}

/// `store` with `crls` added (borrowed as it is when there are none).
fn with_crls<'a>(store: &'a Validator, crls: &[crate::trust::Crl]) -> Cow<'a, Validator> {
    if crls.is_empty() {
        return Cow::Borrowed(store);
    }
    let mut s = store.clone();
    s.crls.extend(crls.iter().cloned());
    Cow::Owned(s)
}
