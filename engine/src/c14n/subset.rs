//! The canonical form of one subtree of a parsed document, as a document subset (W3C C14N 1.0
//! §2.3, "the node-set ... of the subtree"): libxml2's `xmlC14NExecute` with a visibility
//! callback of our own.
//!
//! Why our own: libxml2 asks the callback about every node, attribute and namespace node of the
//! whole document, once per canonicalisation, and a signature is canonicalised four or five times
//! (SignedInfo, each signed Object, SignedProperties). The libxml crate's callback collects each
//! node's ancestors into a new vector on every call; this one follows the parent pointers. A
//! whole-process `docseal verify` of a 200 KB document spent about 0.2 ms in that collecting
//! (issue 9, process start). libxml2 still does all of the canonicalisation.
//!
//! One of the crate's `unsafe` modules (with `walk`, `opc::splice` and `opc::prefault`): it hands
//! libxml2 a C callback and reads the output buffer libxml2 fills.
#![allow(unsafe_code)]

use libxml::bindings as ffi;
use libxml::tree::Node;
use std::ffi::{c_int, c_void};

/// The subtree at `node`, canonicalised with libxml2's `mode` (`xmlC14NMode`); `None` when
/// libxml2 fails.
pub fn canonical(node: &Node, mode: c_int, with_comments: bool) -> Option<Vec<u8>> {
    canonical_in(node, mode, with_comments, true)
}

/// `canonical`, with the tree pruned to the apex's path (`prune`) or walked whole (to check
/// that pruning changes nothing).
fn canonical_in(node: &Node, mode: c_int, with_comments: bool, prune: bool) -> Option<Vec<u8>> {
    let apex = node.node_ptr();
    if apex.is_null() {
        return None;
    }
    // SAFETY: `apex` is a live node of a live document (`node` borrows it); the output buffer
    // is ours from allocation to close, and its content is copied out before the close.
    unsafe {
        let doc = (*apex).doc;
        if doc.is_null() {
            return None;
        }
        let buf = ffi::xmlAllocOutputBuffer(std::ptr::null_mut());
        if buf.is_null() {
            return None;
        }
        let pruned = prune.then(|| Pruned::to_path_of(apex));
        let status = ffi::xmlC14NExecute(
            doc,
            Some(in_subtree),
            apex.cast::<c_void>(),
            mode,
            std::ptr::null_mut(),
            c_int::from(with_comments),
            buf,
        );
        drop(pruned);
        let out = (status >= 0).then(|| {
            let content = ffi::xmlOutputBufferGetContent(buf);
            let size = ffi::xmlOutputBufferGetSize(buf);
            if content.is_null() || size == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(content, size).to_vec()
            }
        });
        ffi::xmlOutputBufferClose(buf);
        out
    }
}

/// The tree cut down, while libxml2 canonicalises, to the apex's subtree and its ancestors.
///
/// libxml2 walks the whole document once per canonicalisation and, for every element it passes,
/// builds its namespace and attribute lists before asking the callback whether the element is
/// visible; a signature is canonicalised five to seven times. The siblings of the apex and of
/// its ancestors can never be visible in a subtree's node set, and nothing of them reaches the
/// output (C14N 1.0 §2.4: an ancestor contributes only its in-scope namespaces and, in 1.0,
/// its `xml:` attributes, which hang on the ancestor itself). So each ancestor is given its one
/// child on the path for the duration, and every link is restored when this is dropped, before
/// anyone else can see the document (libxml documents stay on the thread that parsed them).
struct Pruned {
    /// (node, children, last, prev, next) as they were, apex first.
    saved: Vec<[ffi::xmlNodePtr; 5]>,
}

impl Pruned {
    /// # Safety
    /// `apex` must be a live node whose parent chain ends at its document (whose first fields
    /// are laid out as a node's, as libxml2 relies on) and then NULL; nothing else may use the
    /// document until the value is dropped.
    unsafe fn to_path_of(apex: ffi::xmlNodePtr) -> Pruned {
        let mut saved = Vec::new();
        let mut cur = apex;
        // SAFETY: the caller's; each link read is NULL or a live node of the same tree.
        unsafe {
            while !cur.is_null() {
                let up = (*cur).parent;
                saved.push([cur, (*cur).children, (*cur).last, (*cur).prev, (*cur).next]);
                if cur != apex {
                    // Only the apex keeps its children.
                    (*cur).children = saved[saved.len() - 2][0];
                    (*cur).last = saved[saved.len() - 2][0];
                }
                if !up.is_null() {
                    (*cur).prev = std::ptr::null_mut();
                    (*cur).next = std::ptr::null_mut();
                }
                cur = up;
            }
        }
        Pruned { saved }
    }
}

impl Drop for Pruned {
    fn drop(&mut self) {
        // SAFETY: restores the links `to_path_of` read from the same live nodes.
        for &[node, children, last, prev, next] in &self.saved {
            unsafe {
                (*node).children = children;
                (*node).last = last;
                (*node).prev = prev;
                (*node).next = next;
            }
        }
    }
}

/// `xmlC14NIsVisibleCallback`: whether a node is the apex or below it. libxml2 passes a
/// namespace node (an `xmlNs`, not an `xmlNode`; both keep their type at the same offset) with
/// its element as `parent`; attributes and other nodes carry their own parent pointer.
unsafe extern "C" fn in_subtree(
    apex: *mut c_void,
    node: ffi::xmlNodePtr,
    parent: ffi::xmlNodePtr,
) -> c_int {
    let apex = apex.cast::<ffi::xmlNode>();
    // SAFETY: libxml2 calls this with nodes of the document being canonicalised, whose parent
    // chains end at the document node (parent NULL).
    unsafe {
        let mut cur = if node.is_null() || (*node).type_ == ffi::xmlElementType_XML_NAMESPACE_DECL {
            parent
        } else {
            node
        };
        while !cur.is_null() {
            if cur == apex {
                return 1;
            }
            cur = (*cur).parent;
        }
    }
    0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::c14n::XmlDoc;

    /// Every element of a document with what C14N takes from outside a subtree (namespaces in
    /// scope, redeclared and undeclared defaults, inherited `xml:` attributes, comments and
    /// processing instructions beside the root, siblings before and after) canonicalises the
    /// same, in every mode, whether the tree is pruned to its path or walked whole.
    #[test]
    fn pruning_to_the_path_changes_no_canonical_form() {
        let text = r#"<?xml version="1.0"?>
<!-- before --><?pi before?>
<a:r xmlns:a="urn:a" xmlns="urn:d" xml:lang="zh" xml:space="preserve" Id="r">
  <s1 b="2" a="1"><!-- c --><k xmlns="">t</k></s1>
  <x xmlns:b="urn:b" xml:lang="en" b:at="1"><b:y xmlns="urn:e"><z Id="z">q<!-- in --></z></b:y>
    <w xmlns:a="urn:a2"><a:v/></w></x>
  <s2 xml:base="http://h/"><u>v</u></s2>
</a:r>
<!-- after -->"#;
        let doc = XmlDoc::parse("t", text).unwrap();
        let root = doc.root().unwrap();
        let mut stack = vec![root];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            for mode in 0..3 {
                for comments in [false, true] {
                    let whole = canonical_in(&n, mode, comments, false).unwrap();
                    let pruned = canonical_in(&n, mode, comments, true).unwrap();
                    assert_eq!(
                        String::from_utf8_lossy(&pruned),
                        String::from_utf8_lossy(&whole),
                        "<{}> mode {mode} comments {comments}",
                        n.get_name()
                    );
                }
            }
            seen += 1;
            stack.extend(n.get_child_elements());
        }
        assert_eq!(seen, 10);
        // The tree is whole again: the document canonicalises as before any pruning.
        let again = XmlDoc::parse("t", text).unwrap();
        assert_eq!(
            doc.canonical(crate::c14n::Method::C14N_10).unwrap(),
            again.canonical(crate::c14n::Method::C14N_10).unwrap()
        );
    }
}
