//! Flat lists of f64, the form in which results cross from a worker thread to the page: every
//! value is an f64 or a count below 2⁵³, so the crossing is exact. [`Numbers`] writes them and
//! [`Reader`] reads them back, refusing anything a writer cannot have made.

/// Numbers being written, in the order a [`Reader`] takes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Numbers(pub Vec<f64>);

impl Numbers {
    pub fn value(&mut self, value: f64) {
        self.0.push(value);
    }

    pub fn count(&mut self, count: usize) {
        self.0.push(count as f64);
    }

    pub fn values(&mut self, values: &[f64]) {
        self.0.extend_from_slice(values);
    }
}

/// Reads numbers in order; every method is None once the numbers cannot be what was written.
pub struct Reader<'a> {
    numbers: &'a [f64],
}

impl<'a> Reader<'a> {
    pub fn new(numbers: &'a [f64]) -> Self {
        Self { numbers }
    }

    pub fn value(&mut self) -> Option<f64> {
        let (&first, rest) = self.numbers.split_first()?;
        self.numbers = rest;
        Some(first)
    }

    /// A count: a whole number from 0 to 2⁵³.
    pub fn count(&mut self) -> Option<usize> {
        let value = self.value()?;
        (value >= 0.0 && value.fract() == 0.0 && value <= 2f64.powi(53)).then_some(value as usize)
    }

    /// The next `len` numbers.
    pub fn values(&mut self, len: usize) -> Option<&'a [f64]> {
        if len > self.numbers.len() {
            return None;
        }
        let (taken, rest) = self.numbers.split_at(len);
        self.numbers = rest;
        Some(taken)
    }

    /// Whether every number has been read.
    pub fn is_done(&self) -> bool {
        self.numbers.is_empty()
    }
}
