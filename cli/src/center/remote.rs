//! `docseal center --center URL …`: the subcommands that work through a running docseal-center.

use super::args::{approval_request, since, CenterArgs, CenterCommand, SealCommand};
use super::present::{
    list_approvals, print_entries, say, show_approval, show_seal, summary, term, write_out,
};
use docseal_center::client::Client;
use docseal_center::registry::Seal;
use docseal_center::Error;

fn seal_of(v: serde_json::Value) -> Result<Seal, Error> {
    serde_json::from_value(v).map_err(|e| Error::Store(format!("the center's answer: {e}")))
}

fn approval_of(v: serde_json::Value) -> Result<docseal_center::approvals::Approval, Error> {
    serde_json::from_value(v).map_err(|e| Error::Store(format!("the center's answer: {e}")))
}

fn segment(id: &str) -> Result<&str, Error> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::Invalid(format!("{id:?} is not a seal id")));
    }
    Ok(id)
}

/// A query value: base64's `+`, `/` and `=` percent-encoded.
fn percent(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn run(a: &CenterArgs, c: &Client) -> Result<u8, Error> {
    let shown = match &a.command {
        CenterCommand::Seal(SealCommand::List) => {
            let seals = c.seals()?;
            if a.json {
                say!("{}", serde_json::Value::Array(seals.iter().map(summary).collect()));
            } else {
                for s in &seals {
                    say!(
                        "{}  {:<9}  {}  ({}, held by {})",
                        s.id,
                        s.status.as_str(),
                        term(&s.name),
                        term(&s.kind),
                        term(&s.holder)
                    );
                }
            }
            return Ok(0);
        }
        CenterCommand::Seal(SealCommand::Show { id }) => seal_of(c.get(&format!("/api/seals/{}", segment(id)?))?)?,
        CenterCommand::Seal(SealCommand::Suspend { id, reason }) => seal_of(c.post(
            &format!("/api/seals/{}/suspend", segment(id)?),
            &serde_json::json!({"reason": docseal_center::registry::Reason::from(*reason).as_str()}),
        )?)?,
        CenterCommand::Seal(SealCommand::Revoke { id, reason }) => seal_of(c.post(
            &format!("/api/seals/{}/revoke", segment(id)?),
            &serde_json::json!({"reason": docseal_center::registry::Reason::from(*reason).as_str()}),
        )?)?,
        CenterCommand::Seal(SealCommand::Reinstate { id }) => {
            seal_of(c.post(&format!("/api/seals/{}/reinstate", segment(id)?), &serde_json::json!({}))?)?
        }
        CenterCommand::Seal(SealCommand::Policy { id, approval }) => seal_of(c.post(
            &format!("/api/seals/{}/policy", segment(id)?),
            &serde_json::json!({"approval": approval}),
        )?)?,
        CenterCommand::Request { seal, doc, reason } => {
            let req = approval_request(seal, doc, reason.clone())?;
            let v = c.post("/api/approvals", &serde_json::to_value(&req).unwrap_or_default())?;
            show_approval(a, &approval_of(v)?);
            return Ok(0);
        }
        CenterCommand::Approve { request, reason } | CenterCommand::Reject { request, reason } => {
            let verb = if matches!(a.command, CenterCommand::Approve { .. }) { "approve" } else { "reject" };
            let v = c.post(
                &format!("/api/approvals/{}/{verb}", segment(request)?),
                &serde_json::json!({"reason": reason}),
            )?;
            show_approval(a, &approval_of(v)?);
            return Ok(0);
        }
        CenterCommand::Approvals { status } => {
            let path = match status {
                Some(s) => format!("/api/approvals?status={}", segment(s)?),
                None => "/api/approvals".to_string(),
            };
            let list: Vec<docseal_center::approvals::Approval> = serde_json::from_value(c.get(&path)?)
                .map_err(|e| Error::Store(format!("the center's answer: {e}")))?;
            list_approvals(a, &list);
            return Ok(0);
        }
        CenterCommand::Crl { output } => {
            write_out(output, &c.crl()?)?;
            say(a, &serde_json::json!({"crl": output}), &output.display().to_string());
            return Ok(0);
        }
        CenterCommand::Audit(au) if au.verify => {
            let mut path = String::from("/api/audit/verify");
            if let Some(h) = c.seen_head()? {
                path.push_str(&format!(
                    "?seq={}&hash={}&at={}&signature={}",
                    h.seq,
                    segment(&h.hash)?,
                    h.at,
                    percent(&h.signature)
                ));
            }
            let v = c.get(&path)?;
            say(
                a,
                &v,
                &format!("audit log intact: {} rows, signed head at row {}", v["rows"], v["head_seq"]),
            );
            return Ok(0);
        }
        CenterCommand::Audit(au) => {
            let mut path = String::from("/api/audit?");
            if let Some(s) = &au.seal {
                path.push_str(&format!("seal={}&", segment(s)?));
            }
            if let Some(t) = since(au)? {
                path.push_str(&format!("since={t}"));
            }
            let rows: Vec<docseal_center::audit::Entry> = serde_json::from_value(c.get(&path)?)
                .map_err(|e| Error::Store(format!("the center's answer: {e}")))?;
            print_entries(a, au, &rows);
            return Ok(0);
        }
        _ => {
            return Err(Error::Invalid(
                "this subcommand works on the center's data directory (--data-dir), not through --center".into(),
            ))
        }
    };
    show_seal(a, &shown);
    Ok(0)
}
