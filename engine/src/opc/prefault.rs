//! Reading a whole file into memory with the buffer's pages made present in one call.
//!
//! A file read into a fresh heap buffer faults each of its pages in on first write: 60 faults
//! for a 240 KB document, about 0.2 ms of a whole-process `docseal verify` on this VM (issue 9,
//! process start). `MADV_POPULATE_WRITE` (Linux 5.14) makes them present in one system call;
//! where the kernel lacks it, the pages fault in as before.
//!
//! The one `unsafe` here hands the kernel the buffer's own spare capacity, which holds nothing
//! yet; populating pages does not change what they hold.
#![allow(unsafe_code)]

/// An empty buffer for a file of `size` bytes (and one more, to see the end), its pages present.
pub fn buffer(size: u64) -> Vec<u8> {
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    populate(&mut buf);
    buf
}

fn populate(buf: &mut Vec<u8>) {
    const PAGE: usize = 4096;
    let spare = buf.spare_capacity_mut();
    let start = spare.as_mut_ptr() as usize;
    let first = start.div_ceil(PAGE) * PAGE;
    let end = (start + spare.len()) / PAGE * PAGE;
    if end <= first {
        return;
    }
    // SAFETY: [first, end) lies inside the vector's allocation (its spare capacity, which no
    // reference reads); MADV_POPULATE_WRITE only makes those pages present. A kernel without it
    // answers EINVAL, and nothing changes.
    let _ = unsafe {
        rustix::mm::madvise(
            first as *mut std::ffi::c_void,
            end - first,
            rustix::mm::Advice::LinuxPopulateWrite,
        )
    };
}
