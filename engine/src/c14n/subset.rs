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
//! One of the crate's three `unsafe` modules (with `opc::splice` and `opc::prefault`): it hands libxml2 a C
//! callback, reads the output buffer libxml2 fills, and compares element names on libxml2's own
//! strings.
#![allow(unsafe_code)]

use libxml::bindings as ffi;
use libxml::tree::Node;
use std::ffi::{c_int, c_void};

/// The subtree at `node`, canonicalised with libxml2's `mode` (`xmlC14NMode`); `None` when
/// libxml2 fails.
pub fn canonical(node: &Node, mode: c_int, with_comments: bool) -> Option<Vec<u8>> {
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
        let status = ffi::xmlC14NExecute(
            doc,
            Some(in_subtree),
            apex.cast::<c_void>(),
            mode,
            std::ptr::null_mut(),
            c_int::from(with_comments),
            buf,
        );
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

/// Whether `node` is an element with this namespace URI and local name, read from libxml2's own
/// strings: comparing copies of them allocated twice per element visited (issue 9).
pub fn is_element(node: &Node, ns: &str, local: &str) -> bool {
    let p = node.node_ptr();
    if p.is_null() {
        return false;
    }
    // SAFETY: `p` is a live node of a live document (`node` borrows it); libxml2 keeps an
    // element's name and its namespace's href as NUL-terminated strings or NULL.
    unsafe {
        if (*p).type_ != ffi::xmlElementType_XML_ELEMENT_NODE || (*p).name.is_null() {
            return false;
        }
        if std::ffi::CStr::from_ptr((*p).name.cast()).to_bytes() != local.as_bytes() {
            return false;
        }
        let space = (*p).ns;
        let href: &[u8] = if space.is_null() || (*space).href.is_null() {
            b""
        } else {
            std::ffi::CStr::from_ptr((*space).href.cast()).to_bytes()
        };
        href == ns.as_bytes()
    }
}
