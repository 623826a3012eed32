//! The web-extension parts that make Word and Excel open the docseal task pane with a sealed
//! document ("Automatically open a task pane with a document", Office add-ins docs): a taskpanes
//! part, reached from the package relationships, pointing to a webextension part whose reference
//! names the add-in and whose property `Office.AutoShowTaskpaneWithDocument` is true. They are
//! added before signing, so the seal's signature covers them and nobody can swap the add-in.

use super::{add_relationship, relative_target, Kind};
use crate::dsig::xml_out::escape_attr;
use crate::error::{Error, Result};
use crate::opc::{Changes, Package, PartName};

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
pub fn add_autoshow(
    pkg: &Package,
    changes: &mut Changes,
    kind: Kind,
    addin: &AddinRef,
) -> Result<()> {
    let dir = match kind {
        Kind::Docx => "/word/webextensions/",
        Kind::Xlsx => "/xl/webextensions/",
    };
    let part =
        |n: &str| PartName::new(&format!("{dir}{n}")).map_err(|e| Error::NotAPackage(e.into()));
    let taskpanes = part("taskpanes.xml")?;
    if pkg.entry(&taskpanes).is_some() {
        let existing = pkg.read_text(&taskpanes)?;
        // Another add-in's panes: leave them, but ours must be in a part of its own we can add.
        if existing.contains(&addin.id) {
            return Ok(());
        }
        return Err(Error::Refused(format!(
            "{taskpanes} already exists; cannot add the docseal task pane beside it"
        )));
    }
    let webext = super::fresh_part(pkg, changes, &format!("{dir}webextension"), "xml")?;
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
    changes.put(pkg, webext.clone(), we.into_bytes());
    let rel = add_relationship(
        pkg,
        changes,
        &taskpanes,
        REL_WEBEXTENSION,
        &relative_target(&taskpanes, &webext),
    )?;
    let tp = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<wetp:taskpanes xmlns:wetp=\"http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11\">\
<wetp:taskpane dockstate=\"right\" visibility=\"0\" width=\"350\" row=\"4\"><wetp:webextensionref xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" r:id=\"{rel}\"/></wetp:taskpane></wetp:taskpanes>"
    );
    changes.put(pkg, taskpanes.clone(), tp.into_bytes());
    // The package relationship: /_rels/.rels is the relationships part of the package itself.
    let root_rels = PartName::new("/_rels/.rels").map_err(|e| Error::NotAPackage(e.into()))?;
    let xml = super::current_text(pkg, changes, &root_rels)?
        .ok_or_else(|| Error::NotAPackage("no /_rels/.rels".into()))?;
    let list = crate::opc::rels::parse(root_rels.as_str(), &xml)?;
    let id = crate::dsig::machinery::fresh_id(&list);
    let xml =
        crate::dsig::machinery::add_relationship(&xml, &id, REL_TASKPANES, taskpanes.zip_name())?;
    changes.put(pkg, root_rels, xml.into_bytes());
    crate::dsig::machinery::add_content_type(
        pkg,
        changes,
        &format!(
            "<Override PartName=\"{taskpanes}\" ContentType=\"{CT_TASKPANES}\"/><Override PartName=\"{webext}\" ContentType=\"{CT_WEBEXTENSION}\"/>"
        ),
    )
}
