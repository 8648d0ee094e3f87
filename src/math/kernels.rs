//! The vector kernels of the hot loops: dot products and axpy over f64 slices.
//!
//! Reductions keep eight independent partial sums: a single accumulator chains every addition
//! on the previous one and cannot be vectorized (floating-point addition is not reassociated
//! by the compiler), while eight independent chains map onto SIMD lanes (SSE2/AVX natively,
//! simd128 in wasm) and hide the adder's latency.

const LANES: usize = 8;

/// Σ aᵢbᵢ.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let split = a.len() / LANES * LANES;
    let mut acc = [0.0f64; LANES];
    for (x, y) in a[..split].chunks_exact(LANES).zip(b[..split].chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in a[split..].iter().zip(&b[split..]) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// y ← y + αx.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// The four dot products ⟨qₖ, w⟩ of four vectors with one, reading w once.
#[inline]
pub fn dot4(q: [&[f64]; 4], w: &[f64]) -> [f64; 4] {
    let n = w.len();
    let split = n / 2 * 2;
    let mut acc = [[0.0f64; 2]; 4];
    for i in (0..split).step_by(2) {
        for (k, qk) in q.iter().enumerate() {
            acc[k][0] += qk[i] * w[i];
            acc[k][1] += qk[i + 1] * w[i + 1];
        }
    }
    let mut out = [0.0; 4];
    for (k, qk) in q.iter().enumerate() {
        out[k] = acc[k][0] + acc[k][1] + if split < n { qk[split] * w[split] } else { 0.0 };
    }
    out
}

/// w ← w − Σₖ cₖqₖ over four vectors, reading and writing w once.
#[inline]
pub fn subtract4(q: [&[f64]; 4], c: [f64; 4], w: &mut [f64]) {
    for (i, wi) in w.iter_mut().enumerate() {
        *wi -= (c[0] * q[0][i] + c[1] * q[1][i]) + (c[2] * q[2][i] + c[3] * q[3][i]);
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
