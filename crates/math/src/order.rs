//! Sorting by f64 keys, in one place. Every `sort_by` with its own closure is a copy of the
//! standard library's sort in the page's WebAssembly (several KB each); these two are the sorts
//! the numerics and the page compile, and both give exactly what a stable sort would.

/// Sorts `values` ascending in IEEE 754 total order (NaN last). Values that compare equal in
/// that order are the same bits, so an unstable sort loses nothing.
pub fn sort_values(values: &mut [f64]) {
    values.sort_unstable_by(f64::total_cmp);
}

/// The indices of `keys` in ascending total order of their keys, equal keys in index order:
/// the permutation that a stable sort by these keys makes.
pub fn ascending(keys: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by(|&a, &b| keys[a].total_cmp(&keys[b]).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{seeded, Rng};
    use rand::Rng as _;

    /// Keys with many ties, signed zeros, infinities and NaN.
    fn awkward_keys(rng: &mut Rng, n: usize) -> Vec<f64> {
        let pool = [0.0, -0.0, 1.0, -1.0, 2.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e-300];
        (0..n).map(|_| pool[rng.random_range(0..pool.len())]).collect()
    }

    #[test]
    fn ascending_is_the_permutation_of_a_stable_sort() {
        let mut rng = seeded(7);
        for n in 0..60 {
            let keys = awkward_keys(&mut rng, n);
            let mut stable: Vec<usize> = (0..n).collect();
            stable.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
            assert_eq!(ascending(&keys), stable, "keys {keys:?}");
        }
    }

    #[test]
    fn sort_values_matches_a_stable_sort_bit_for_bit() {
        let mut rng = seeded(8);
        for n in 0..60 {
            let mut values = awkward_keys(&mut rng, n);
            let mut stable = values.clone();
            stable.sort_by(f64::total_cmp);
            sort_values(&mut values);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&values), bits(&stable));
        }
    }
}
