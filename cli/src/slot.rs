//! `docseal slot add` and `docseal slot list`: seal slots, placed while a contract is drafted,
//! one per party; each party later seals with `stamp --into-slot LABEL`.

use crate::args::{SlotAddArgs, SlotArgs, SlotCommand, SlotListArgs};
use docseal::slots::SlotRequest;
use docseal::Error;

pub fn run(a: SlotArgs) -> Result<u8, Error> {
    match a.command {
        SlotCommand::Add(a) => add(a),
        SlotCommand::List(a) => list(a),
    }
}

fn add(a: SlotAddArgs) -> Result<u8, Error> {
    let req = SlotRequest {
        label: a.label.clone(),
        signer_hint: a.signer_hint.clone(),
        placement: crate::placing::placement(&a.place)?,
        size_mm: (a.place.size_mm, a.place.size_mm),
        offset_mm: crate::placing::offset(a.place.offset_mm.as_deref())?,
    };
    let added = docseal::slots::add_file(&a.input, &a.output, &req)?;
    say!(
        "{}: seal slot \"{}\" added ({} in {})",
        a.output.display(),
        added.label,
        added.id,
        added.in_part
    );
    Ok(0)
}

fn list(a: SlotListArgs) -> Result<u8, Error> {
    let slots = docseal::slots::list_file(&a.input)?;
    if a.json {
        let v: Vec<serde_json::Value> = slots
            .iter()
            .map(|s| {
                serde_json::json!({
                    "label": s.label,
                    "signer_hint": s.signer_hint,
                    "id": s.id,
                    "part": s.part.to_string(),
                })
            })
            .collect();
        say!("{}", serde_json::Value::Array(v));
    } else {
        for s in &slots {
            say!(
                "{}\t{}\t{}",
                s.label,
                s.signer_hint.as_deref().unwrap_or(""),
                s.part
            );
        }
    }
    Ok(0)
}
