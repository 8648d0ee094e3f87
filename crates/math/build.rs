//! Writes the EOS-1 initial state (bench/eos1_init.json, the reference workload's own file) as
//! little-endian numbers for `eos1::eos1` to embed: the library then needs no JSON parser and
//! carries no digits for it, which keeps both out of the page's WebAssembly. For each of the
//! arrays x, y, theta0 and v0 in turn: its length (u64), then its values (f64).

use std::path::Path;

fn main() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/eos1_init.json");
    println!("cargo::rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source).expect("bench/eos1_init.json is readable");
    let file: serde_json::Value = serde_json::from_str(&text).expect("bench/eos1_init.json is JSON");
    let mut bytes = Vec::new();
    for key in ["x", "y", "theta0", "v0"] {
        let values = file[key].as_array().unwrap_or_else(|| panic!("bench/eos1_init.json has an array {key}"));
        bytes.extend((values.len() as u64).to_le_bytes());
        for value in values {
            let value = value.as_f64().unwrap_or_else(|| panic!("bench/eos1_init.json's {key} holds numbers"));
            bytes.extend(value.to_le_bytes());
        }
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("eos1_init.bin");
    std::fs::write(out, bytes).expect("the build directory is writable");
}
