//! The handwritten digits (data/digits/README.md: UCI, Alpaydin and Kaynak 1998, CC BY 4.0)
//! as a [`Dataset`]: 8 × 8 images, each pixel a count 0 to 16, ten classes. The command line
//! has the file built in. The page fetches it when a figure first asks for the digits (most
//! readers never do, and it would be an eighth of the page's WebAssembly) and hands it over with
//! `provide` (in the page's build); until then [`Dataset::digits`] refuses with [`NOT_LOADED`].

use super::datasets::Dataset;

/// 65 bytes per image: 64 pixel counts, then the class.
const RECORD: usize = 65;
/// Pixels per image, and the largest pixel count.
pub const PIXELS: usize = 64;
const MAX_COUNT: u8 = 16;
/// The digit classes 0 to 9.
pub const CLASSES: usize = 10;
/// The number of images in the set.
pub const DIGIT_IMAGES: usize = 1797;

/// Why [`Dataset::digits`] refused: the page has not fetched the file yet.
pub const NOT_LOADED: &str = "the handwritten digits have not been loaded yet";

#[cfg(not(target_arch = "wasm32"))]
const BUILT_IN: &[u8] = include_bytes!("../../../data/digits/digits.bin");
#[cfg(not(target_arch = "wasm32"))]
const _: () = assert!(BUILT_IN.len() == DIGIT_IMAGES * RECORD, "data/digits/digits.bin holds 1,797 images");

/// The file's bytes, if there are any yet.
#[cfg(not(target_arch = "wasm32"))]
fn bytes() -> Option<&'static [u8]> {
    Some(BUILT_IN)
}

#[cfg(target_arch = "wasm32")]
static FETCHED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

#[cfg(target_arch = "wasm32")]
fn bytes() -> Option<&'static [u8]> {
    FETCHED.get().map(Vec::as_slice)
}

/// Takes the file as the page fetched it, once it has passed [`check`]; the first good copy
/// stays.
#[cfg(target_arch = "wasm32")]
pub fn provide(file: Vec<u8>) -> Result<(), String> {
    check(&file)?;
    let _ = FETCHED.set(file);
    Ok(())
}

/// Whether the digits are there to train on.
pub fn loaded() -> bool {
    bytes().is_some()
}

/// Whether `file` is the digits file: 1,797 records of 64 counts from 0 to 16 and a class from
/// 0 to 9. A file cut short, or something else served under its name, is refused with a reason.
pub fn check(file: &[u8]) -> Result<(), String> {
    if file.len() != DIGIT_IMAGES * RECORD {
        return Err(format!(
            "the digits file has {} bytes, not the {} of {DIGIT_IMAGES} images",
            file.len(),
            DIGIT_IMAGES * RECORD
        ));
    }
    for (i, record) in file.chunks_exact(RECORD).enumerate() {
        if record[..PIXELS].iter().any(|&count| count > MAX_COUNT) {
            return Err(format!("image {i} of the digits file has a pixel count above {MAX_COUNT}"));
        }
        if usize::from(record[PIXELS]) >= CLASSES {
            return Err(format!("image {i} of the digits file has the class {}", record[PIXELS]));
        }
    }
    Ok(())
}

impl Dataset {
    /// The first `n` images in the set's order, pixels divided by 16 (so in [0, 1]), each with
    /// its class as a one-hot target of ten values. Err unless 1 ≤ n ≤ 1,797, and
    /// [`NOT_LOADED`] while the page has not fetched the file.
    pub fn digits(n: usize) -> Result<Self, String> {
        if !(1..=DIGIT_IMAGES).contains(&n) {
            return Err(format!("the digits set has 1 to {DIGIT_IMAGES} images, asked for {n}"));
        }
        let file = bytes().ok_or(NOT_LOADED)?;
        let records = file.chunks_exact(RECORD).take(n);
        let mut x = Vec::with_capacity(n * PIXELS);
        let mut y = vec![0.0; n * CLASSES];
        for (j, record) in records.enumerate() {
            x.extend(record[..PIXELS].iter().map(|&count| f64::from(count) / f64::from(MAX_COUNT)));
            y[j * CLASSES + usize::from(record[PIXELS])] = 1.0;
        }
        Dataset::new(PIXELS, CLASSES, x, y)
    }
}
