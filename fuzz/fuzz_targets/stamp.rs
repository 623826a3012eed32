#![no_main]
use std::path::Path;
use std::sync::OnceLock;

use docseal::fuzzing::StampFixture;

fn fixture() -> &'static StampFixture {
    static FIXTURE: OnceLock<StampFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/tests/data");
        StampFixture::load(&data.join("golden-key.pem"), &data.join("golden-cert.pem"))
            .expect("the committed golden key loads")
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| docseal::fuzzing::stamp(data, fixture()));
