//! Finding elements of a parsed signature document by name or by `Id` on libxml2's own tree.
//!
//! Why not the libxml crate's `get_child_elements`: it wraps every child it returns in a
//! reference-counted `Node` and registers it in the document's node map, so a depth-first search
//! over a signature (a few hundred elements, searched a dozen times per verify) spent about a
//! sixth of a whole-process `docseal verify` of a small document in allocation and hashing
//! (callgrind, issue 9). Here the search follows libxml2's child and sibling pointers and reads
//! names and attribute values in place; only the element found is wrapped, by descending to it
//! through the crate's own API (which wraps the elements on that one path).
//!
//! One of the crate's `unsafe` modules (with `subset`, `opc::splice` and `opc::prefault`).
#![allow(unsafe_code)]

use libxml::bindings as ffi;
use libxml::tree::Node;
use std::ffi::CStr;

type Ptr = ffi::xmlNodePtr;

/// Whether `node` is an element with this namespace URI and local name, read from libxml2's own
/// strings instead of copies allocated per element visited.
pub fn is_element(node: &Node, ns: &str, local: &str) -> bool {
    // SAFETY: `node` borrows a live node of a live document.
    unsafe { raw_is(node.node_ptr(), ns, local) }
}

/// The first descendant element of `node` (depth-first, document order, `node` itself excluded)
/// with this namespace URI and local name.
pub fn find_descendant(node: &Node, ns: &str, local: &str) -> Option<Node> {
    let apex = node.node_ptr();
    let mut hit = None;
    // SAFETY: `apex` is a live node of a live document (`node` borrows it); the walk only reads.
    unsafe {
        walk(apex, &mut |p| {
            if p != apex && raw_is(p, ns, local) {
                hit = Some(p);
                return false;
            }
            true
        });
    }
    hit.and_then(|p| wrapped(node, p))
}

/// Every element in the subtree at `root` (itself included) whose unqualified `Id` attribute
/// has this value, in document order.
pub fn with_id(root: &Node, id: &str) -> Vec<Node> {
    let mut hits = Vec::new();
    // SAFETY: as in `find_descendant`.
    unsafe {
        walk(root.node_ptr(), &mut |p| {
            if has_id(p, id) {
                hits.push(p);
            }
            true
        });
    }
    hits.into_iter().filter_map(|p| wrapped(root, p)).collect()
}

/// Visits the elements of the subtree at `apex` in document order until `visit` says stop.
///
/// # Safety
/// `apex` must be NULL or a live element of a live document that is not changed meanwhile.
unsafe fn walk(apex: Ptr, visit: &mut dyn FnMut(Ptr) -> bool) {
    if apex.is_null() {
        return;
    }
    // SAFETY: the caller's; every pointer followed is a child, sibling or parent link of a node
    // of the same tree, so it is NULL or live, and the climb stops at `apex`.
    unsafe {
        let mut cur = apex;
        loop {
            if (*cur).type_ == ffi::xmlElementType_XML_ELEMENT_NODE {
                if !visit(cur) {
                    return;
                }
                let first = first_element((*cur).children);
                if !first.is_null() {
                    cur = first;
                    continue;
                }
            }
            // No element below: the next element sibling here, or of the nearest ancestor
            // below `apex` that has one.
            loop {
                if cur == apex {
                    return;
                }
                let next = first_element((*cur).next);
                if !next.is_null() {
                    cur = next;
                    break;
                }
                cur = (*cur).parent;
                if cur.is_null() {
                    return;
                }
            }
        }
    }
}

/// `p` or the first element sibling after it.
unsafe fn first_element(mut p: Ptr) -> Ptr {
    // SAFETY: the caller's: `p` is NULL or a live node, and siblings are NULL or live.
    unsafe {
        while !p.is_null() && (*p).type_ != ffi::xmlElementType_XML_ELEMENT_NODE {
            p = (*p).next;
        }
    }
    p
}

unsafe fn raw_is(p: Ptr, ns: &str, local: &str) -> bool {
    if p.is_null() {
        return false;
    }
    // SAFETY: the caller's; libxml2 keeps an element's name and its namespace's href as
    // NUL-terminated strings or NULL.
    unsafe {
        if (*p).type_ != ffi::xmlElementType_XML_ELEMENT_NODE || (*p).name.is_null() {
            return false;
        }
        if CStr::from_ptr((*p).name.cast()).to_bytes() != local.as_bytes() {
            return false;
        }
        let space = (*p).ns;
        let href: &[u8] = if space.is_null() || (*space).href.is_null() {
            b""
        } else {
            CStr::from_ptr((*space).href.cast()).to_bytes()
        };
        href == ns.as_bytes()
    }
}

/// Whether element `p` has an `Id` attribute in no namespace whose value is `id`. The value is
/// the attribute's text children in order; a child of any other kind (an entity reference,
/// which cannot occur without a DTD, and DTDs are refused before parsing) never matches.
unsafe fn has_id(p: Ptr, id: &str) -> bool {
    // SAFETY: the caller's; attributes, their names and their text children are owned by the
    // element and NULL-terminated or NULL.
    unsafe {
        let mut attr = (*p).properties;
        while !attr.is_null() {
            let a = &*attr;
            if a.ns.is_null()
                && !a.name.is_null()
                && CStr::from_ptr(a.name.cast()).to_bytes() == b"Id"
            {
                let mut rest = id.as_bytes();
                let mut child = a.children;
                while !child.is_null() {
                    if (*child).type_ != ffi::xmlElementType_XML_TEXT_NODE {
                        return false;
                    }
                    let content = (*child).content;
                    let text = if content.is_null() {
                        &[][..]
                    } else {
                        CStr::from_ptr(content.cast()).to_bytes()
                    };
                    match rest.strip_prefix(text) {
                        Some(r) => rest = r,
                        None => return false,
                    }
                    child = (*child).next;
                }
                return rest.is_empty();
            }
            attr = a.next;
        }
        false
    }
}

/// The crate's `Node` for element `target` in the subtree at `from`: the wrapper is made by
/// descending through `get_child_elements` along the one path from `from` to `target`.
fn wrapped(from: &Node, target: Ptr) -> Option<Node> {
    let apex = from.node_ptr();
    let mut path = Vec::new();
    let mut cur = target;
    // SAFETY: `target` was found below `apex` in the same live tree; parents are NULL or live.
    unsafe {
        while cur != apex {
            if cur.is_null() {
                return None;
            }
            path.push(cur);
            cur = (*cur).parent;
        }
    }
    let mut node = from.clone();
    for step in path.into_iter().rev() {
        node = node
            .get_child_elements()
            .into_iter()
            .find(|c| c.node_ptr() == step)?;
    }
    Some(node)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::c14n::XmlDoc;

    const DOC: &str = r#"<r xmlns="urn:a" xmlns:b="urn:b"><x Id="one"><b:y/><y Id="t&amp;o"/></x><b:y Id="one">t</b:y><z/></r>"#;

    #[test]
    fn finds_by_namespace_in_document_order_below_the_node() {
        let doc = XmlDoc::parse("t", DOC).unwrap();
        let root = doc.root().unwrap();
        let y = find_descendant(&root, "urn:b", "y").unwrap();
        assert!(y.get_parent().is_some_and(|p| p.get_name() == "x"));
        let y2 = find_descendant(&root, "urn:a", "y").unwrap();
        assert_eq!(y2.get_attribute_no_ns("Id").as_deref(), Some("t&o"));
        assert!(
            find_descendant(&root, "urn:a", "r").is_none(),
            "the node itself is not searched"
        );
        assert!(
            find_descendant(&root, "", "z").is_none(),
            "namespace is compared"
        );
        assert!(
            find_descendant(&y, "urn:a", "z").is_none(),
            "only below the node"
        );
        assert_eq!(
            find_descendant(&root, "urn:a", "z").unwrap().get_name(),
            "z"
        );
    }

    #[test]
    fn finds_every_id_and_only_exact_values() {
        let doc = XmlDoc::parse("t", DOC).unwrap();
        let root = doc.root().unwrap();
        let ones: Vec<String> = with_id(&root, "one").iter().map(|n| n.get_name()).collect();
        assert_eq!(ones, ["x", "y"]);
        assert_eq!(with_id(&root, "t&o").len(), 1);
        assert!(with_id(&root, "on").is_empty());
        assert!(with_id(&root, "one1").is_empty());
        assert!(with_id(&root, "").is_empty());
    }
}
