//! The web-extension parts that make Word and Excel open the docseal task pane with a sealed
//! document ("Automatically open a task pane with a document", Office add-ins docs): a taskpanes
//! part, reached from the package relationships, pointing to a webextension part whose reference
//! names the add-in and whose property `Office.AutoShowTaskpaneWithDocument` is true. They are
//! added before signing, so the seal's signature covers them and nobody can swap the add-in.

use super::main_part::Kind;
use crate::error::{Error, Result};
use crate::opc::{PackageEdit, PartName};
use crate::xml::escape_attr;

const REL_TASKPANES: &str =
    "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes";
const REL_WEBEXTENSION: &str =
    "http://schemas.microsoft.com/office/2011/relationships/webextension";
const CT_TASKPANES: &str = "application/vnd.ms-office.webextensiontaskpanes+xml";
const CT_WEBEXTENSION: &str = "application/vnd.ms-office.webextension+xml";

/// The add-in to open: its manifest Id and version, and the catalog Office finds it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddinRef {
    pub id: String,
    pub version: String,
    pub store: String,
    pub store_type: String,
}

impl Default for AddinRef {
    /// docseal's manifest, sideloaded (developer registry).
    fn default() -> Self {
        AddinRef {
            id: "5ea1d0c5-7e6b-4c4e-9d2a-3f1e0a5b8c11".into(),
            version: "0.1.0.0".into(),
            store: "developer".into(),
            store_type: "Registry".into(),
        }
    }
}

/// Adds the parts unless the document already opens this add-in's pane.
pub fn add_autoshow(edit: &mut PackageEdit, kind: Kind, addin: &AddinRef) -> Result<()> {
    let dir = match kind {
        Kind::Docx => "/word/webextensions/",
        Kind::Xlsx => "/xl/webextensions/",
    };
    let taskpanes =
        PartName::new(&format!("{dir}taskpanes.xml")).map_err(|e| Error::NotAPackage(e.into()))?;
    if edit.exists(&taskpanes) {
        let existing = edit.read_text(&taskpanes)?;
        // Another add-in's panes: leave them, but ours must be in a part of its own we can add.
        if existing.contains(&addin.id) {
            return Ok(());
        }
        return Err(Error::Unsealable {
            entry: taskpanes.to_string(),
            reason: "it already lists another add-in's task panes; cannot add the docseal task pane beside them (seal without --open-pane)".into(),
        });
    }
    let webext = edit.fresh_part(&format!("{dir}webextension"), "xml")?;
    let guid = format!("{{{}}}", addin.id.to_ascii_uppercase());
    let we = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<we:webextension xmlns:we=\"http://schemas.microsoft.com/office/webextensions/webextension/2010/11\" id=\"{}\">\
<we:reference id=\"{}\" version=\"{}\" store=\"{}\" storeType=\"{}\"/><we:alternateReferences/>\
<we:properties><we:property name=\"Office.AutoShowTaskpaneWithDocument\" value=\"true\"/></we:properties>\
<we:bindings/><we:snapshot xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"/></we:webextension>",
        escape_attr(&guid),
        escape_attr(&addin.id),
        escape_attr(&addin.version),
        escape_attr(&addin.store),
        escape_attr(&addin.store_type)
    );
    edit.put(webext.clone(), we.into_bytes());
    edit.declare_content_type(&webext, CT_WEBEXTENSION)?;
    let rel = edit.add_relationship(Some(&taskpanes), REL_WEBEXTENSION, &webext)?;
    let tp = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<wetp:taskpanes xmlns:wetp=\"http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11\">\
<wetp:taskpane dockstate=\"right\" visibility=\"0\" width=\"350\" row=\"4\"><wetp:webextensionref xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" r:id=\"{rel}\"/></wetp:taskpane></wetp:taskpanes>"
    );
    edit.put(taskpanes.clone(), tp.into_bytes());
    edit.declare_content_type(&taskpanes, CT_TASKPANES)?;
    edit.add_relationship(None, REL_TASKPANES, &taskpanes)?;
    Ok(())
}
