#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| docseal::fuzzing::rels_transform(data));
