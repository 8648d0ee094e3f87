//! The vector kernels of the hot loops, in explicit SIMD: four f64 lanes (`wide::f64x4`, which
//! is one AVX register, two SSE2 registers, or two wasm simd128 registers), with independent
//! partial sums. A single accumulator would chain every addition on the previous one; the
//! compiler may not reassociate floating-point sums, so it cannot vectorize them by itself.

pub use wide::f64x4;

/// The four values of a chunk of exactly four (as `chunks_exact(4)` yields, which lets the
/// compiler drop every bounds check).
#[inline(always)]
pub fn load4(chunk: &[f64]) -> f64x4 {
    let lanes: [f64; 4] = chunk.try_into().expect("a chunk of four");
    f64x4::new(lanes)
}

/// Writes the four lanes of `v` into a chunk of exactly four.
#[inline(always)]
pub fn store4(chunk: &mut [f64], v: f64x4) {
    chunk.copy_from_slice(&v.to_array());
}

/// The chunks of four of `v[..len]` (`len` a multiple of four).
#[inline(always)]
pub fn quads(v: &[f64], len: usize) -> std::slice::ChunksExact<'_, f64> {
    v[..len].chunks_exact(4)
}

/// Σ aᵢbᵢ.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let split = n / 8 * 8;
    let (mut acc0, mut acc1) = (f64x4::ZERO, f64x4::ZERO);
    for (x, y) in a[..split].chunks_exact(8).zip(b[..split].chunks_exact(8)) {
        acc0 = load4(&x[..4]).mul_add(load4(&y[..4]), acc0);
        acc1 = load4(&x[4..]).mul_add(load4(&y[4..]), acc1);
    }
    let mut sum = (acc0 + acc1).reduce_add();
    for (x, y) in a[split..n].iter().zip(&b[split..n]) {
        sum += x * y;
    }
    sum
}

/// y ← y + αx.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    let n = x.len().min(y.len());
    let split = n / 4 * 4;
    let a = f64x4::splat(alpha);
    for (xc, yc) in x[..split].chunks_exact(4).zip(y[..split].chunks_exact_mut(4)) {
        let updated = a.mul_add(load4(xc), load4(yc));
        store4(yc, updated);
    }
    for (xi, yi) in x[split..n].iter().zip(&mut y[split..n]) {
        *yi += alpha * xi;
    }
}

/// The four dot products ⟨qₖ, w⟩ of four vectors with one, reading w once.
#[inline]
pub fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
    let n = w.len();
    let split = n / 4 * 4;
    let mut acc = [f64x4::ZERO; 4];
    let chunks = |v| quads(v, split);
    for ((((wc, c0), c1), c2), c3) in chunks(w).zip(chunks(q[0])).zip(chunks(q[1])).zip(chunks(q[2])).zip(chunks(q[3]))
    {
        let wv = load4(wc);
        acc[0] = load4(c0).mul_add(wv, acc[0]);
        acc[1] = load4(c1).mul_add(wv, acc[1]);
        acc[2] = load4(c2).mul_add(wv, acc[2]);
        acc[3] = load4(c3).mul_add(wv, acc[3]);
    }
    let mut out = [0.0; 4];
    for ((o, a), qk) in out.iter_mut().zip(acc).zip(q) {
        *o = a.reduce_add() + qk[split..n].iter().zip(&w[split..n]).map(|(x, y)| x * y).sum::<f64>();
    }
    out
}

/// w ← w − Σₖ cₖqₖ over four vectors, reading and writing w once.
#[inline]
pub fn subtract4(q: [&[f64]; 4], c: [f64; 4], w: &mut [f64]) {
    let n = w.len();
    let split = n / 4 * 4;
    let cv = c.map(f64x4::splat);
    let chunks = |v| quads(v, split);
    for ((((wc, c0), c1), c2), c3) in
        w[..split].chunks_exact_mut(4).zip(chunks(q[0])).zip(chunks(q[1])).zip(chunks(q[2])).zip(chunks(q[3]))
    {
        let s = load4(c0).mul_add(cv[0], load4(c1) * cv[1]) + load4(c2).mul_add(cv[2], load4(c3) * cv[3]);
        let updated = load4(wc) - s;
        store4(wc, updated);
    }
    for i in split..n {
        w[i] -= (c[0] * q[0][i] + c[1] * q[1][i]) + (c[2] * q[2][i] + c[3] * q[3][i]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_agree_with_plain_loops() {
        for n in [0, 1, 2, 3, 7, 8, 9, 16, 31, 301] {
            let a: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
            let mut y = b.clone();
            axpy(0.5, &a, &mut y);
            for i in 0..n {
                assert!((y[i] - (b[i] + 0.5 * a[i])).abs() <= 1e-15);
            }
            let q: Vec<Vec<f64>> = (0..4).map(|k| (0..n).map(|i| ((i + k) as f64 * 0.23).sin()).collect()).collect();
            let qs = [&q[0][..], &q[1][..], &q[2][..], &q[3][..]];
            let d = dot4(qs, &b);
            let mut w = b.clone();
            subtract4(qs, d, &mut w);
            for k in 0..4 {
                let plain: f64 = q[k].iter().zip(&b).map(|(x, y)| x * y).sum();
                assert!((d[k] - plain).abs() <= 1e-13 * (1.0 + plain.abs()));
            }
            let mut expected = b.clone();
            for k in 0..4 {
                axpy(-d[k], &q[k], &mut expected);
            }
            for (x, y) in w.iter().zip(&expected) {
                assert!((x - y).abs() <= 1e-13);
            }
        }
    }
}
