//! Fixture parsing: any bytes are either a valid fixture set or a `FixtureError`, never a
//! panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = cloudpartner_mock::check_fixtures("fuzz.json", data);
});
