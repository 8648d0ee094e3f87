//! The handwritten digits (data/digits/README.md: UCI, Alpaydin and Kaynak 1998, CC BY 4.0)
//! as a [`Dataset`]: 8 × 8 images, each pixel a count 0 to 16, ten classes. The file is
//! embedded in the program, so neither the page nor the command line reads anything for it.

use super::datasets::Dataset;

/// 65 bytes per image: 64 pixel counts, then the class.
const DIGITS: &[u8] = include_bytes!("../../../data/digits/digits.bin");
const RECORD: usize = 65;
/// Pixels per image, and the largest pixel count.
pub const PIXELS: usize = 64;
const MAX_COUNT: f64 = 16.0;
/// The digit classes 0 to 9.
pub const CLASSES: usize = 10;
/// The number of images in the set.
pub const DIGIT_IMAGES: usize = DIGITS.len() / RECORD;

impl Dataset {
    /// The first `n` images in the set's order, pixels divided by 16 (so in [0, 1]), each with
    /// its class as a one-hot target of ten values. Err unless 1 ≤ n ≤ 1,797.
    pub fn digits(n: usize) -> Result<Self, String> {
        if !(1..=DIGIT_IMAGES).contains(&n) {
            return Err(format!("the digits set has 1 to {DIGIT_IMAGES} images, asked for {n}"));
        }
        let records = DIGITS.chunks_exact(RECORD).take(n);
        let mut x = Vec::with_capacity(n * PIXELS);
        let mut y = vec![0.0; n * CLASSES];
        for (j, record) in records.enumerate() {
            x.extend(record[..PIXELS].iter().map(|&count| f64::from(count) / MAX_COUNT));
            y[j * CLASSES + usize::from(record[PIXELS])] = 1.0;
        }
        Dataset::new(PIXELS, CLASSES, x, y)
    }
}
