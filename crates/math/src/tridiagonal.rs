//! The largest eigenpairs of a symmetric tridiagonal matrix, as Lanczos produces every step.
//!
//! Eigenvalues by Laguerre's method on the characteristic polynomial p, safeguarded by Sturm
//! counts, and eigenvectors by inverse iteration with a pivoted tridiagonal solve,
//! orthogonalized against the ones already found when eigenvalues cluster.
//!
//! Why Laguerre: one pass of the recurrence of the leading minors of T − xI gives, without a
//! division, the number of eigenvalues below x (the sign changes of the Sturm sequence) and
//! the sums G = Σ 1/(x − λᵢ) and H = Σ 1/(x − λᵢ)². Bisection needs some 55 such passes per
//! eigenvalue; Laguerre's method, which for a polynomial with real roots converges cubically
//! and monotonically to the nearest root on the chosen side, needs three or four.
//! The count says which side of the wanted eigenvalue x is on and keeps a bracket around it:
//! where Laguerre's step cannot be trusted to reach that eigenvalue (x beyond a neighbouring
//! one, a step out of the bracket, rounding at a multiple eigenvalue) a bisection step is taken
//! instead, so the method is never worse than bisection. The tests cross-check it against the
//! dense solver.

/// A symmetric tridiagonal matrix: `diagonal` (m entries) and `off` (m − 1 entries).
pub struct Tridiagonal<'a> {
    pub diagonal: &'a [f64],
    pub off: &'a [f64],
}

/// Scratch space for [`Tridiagonal::top`], reused across calls.
#[derive(Clone, Debug, Default)]
pub struct TridiagonalWork {
    /// The pivoted LU factors of T − σI for inverse iteration: reciprocal pivots, the first and
    /// second superdiagonals, the elimination multipliers, and which rows were swapped.
    inv_pivot: Vec<f64>,
    upper1: Vec<f64>,
    upper2: Vec<f64>,
    multiplier: Vec<f64>,
    swapped: Vec<bool>,
    rhs: Vec<f64>,
}

/// What one pass of the recurrence of the leading minors of T − xI tells about x.
struct Probe {
    /// The number of eigenvalues below x, or at x (the sign changes of the Sturm sequence).
    below: usize,
    /// Σ 1/(x − λᵢ) = p'(x)/p(x).
    g: f64,
    /// Σ 1/(x − λᵢ)² = −(p'/p)'(x).
    h: f64,
    /// Whether x is an eigenvalue to working precision (p(x) = 0): g and h are then infinite.
    singular: bool,
}

/// Minors beyond 2^±600 are rescaled by 2^∓600 (exactly) so that none overflows or underflows.
const RESCALE_ABOVE: f64 = f64::from_bits((1023 + 600) << 52);
const RESCALE_BELOW: f64 = f64::from_bits((1023 - 600) << 52);

impl Tridiagonal<'_> {
    fn len(&self) -> usize {
        self.diagonal.len()
    }

    /// The leading principal minors pᵢ(x) = det(Tᵢ − xI) by their three-term recurrence
    /// pᵢ₊₁ = (aᵢ − x)pᵢ − bᵢ₋₁²pᵢ₋₁, with their first two derivatives in x by the derivatives of
    /// the recurrence; p = pₘ. Unlike the LDLᵀ pivots pᵢ₊₁/pᵢ, this needs no division, so the
    /// rows do not wait on one another's divisions; and a minor that vanishes on the way (x an
    /// eigenvalue of a leading block) does no harm. A zero minor takes the sign opposite to the
    /// one before it, so that the sign changes count the eigenvalues below x or at it.
    fn probe(&self, x: f64) -> Probe {
        let (mut p_prev, mut p) = (1.0, self.diagonal[0] - x);
        let (mut dp_prev, mut dp) = (0.0, -1.0);
        let (mut ddp_prev, mut ddp) = (0.0, 0.0);
        let mut positive = true;
        let mut below = 0;
        let mut count = |p: f64, positive: &mut bool| {
            let now = if p == 0.0 { !*positive } else { p > 0.0 };
            below += usize::from(now != *positive);
            *positive = now;
        };
        count(p, &mut positive);
        for (&a, &b) in self.diagonal[1..].iter().zip(self.off) {
            let (c, bb) = (a - x, b * b);
            let next = c * p - bb * p_prev;
            let dnext = c * dp - p - bb * dp_prev;
            let ddnext = c * ddp - 2.0 * dp - bb * ddp_prev;
            (p_prev, p, dp_prev, dp, ddp_prev, ddp) = (p, next, dp, dnext, ddp, ddnext);
            count(p, &mut positive);
            let size = p.abs();
            if size > RESCALE_ABOVE || (size < RESCALE_BELOW && size > 0.0) {
                let factor = if size > RESCALE_ABOVE { RESCALE_BELOW } else { RESCALE_ABOVE };
                for value in [&mut p_prev, &mut p, &mut dp_prev, &mut dp, &mut ddp_prev, &mut ddp] {
                    *value *= factor;
                }
            }
        }
        let g = dp / p;
        Probe { below, g, h: g * g - ddp / p, singular: p == 0.0 }
    }

    /// The `k` largest eigenvalues (descending) into `values` and their unit eigenvectors,
    /// stored one after the other, into `vectors` (k · m entries). None when the matrix is not
    /// finite.
    pub fn top(
        &self,
        k: usize,
        values: &mut Vec<f64>,
        vectors: &mut Vec<f64>,
        work: &mut TridiagonalWork,
    ) -> Option<()> {
        self.top_values(k, values)?;
        self.eigenvectors(values, vectors, work);
        Some(())
    }

    /// The `k` largest eigenvalues, descending, into `values`. None when the matrix is not
    /// finite.
    pub fn top_values(&self, k: usize, values: &mut Vec<f64>) -> Option<()> {
        let m = self.len();
        values.clear();
        if m == 0 || !self.diagonal.iter().chain(self.off).all(|v| v.is_finite()) {
            return None;
        }
        let (lo, hi) = self.gershgorin();
        let scale = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
        for j in 0..k.min(m) {
            let lambda = self.eigenvalue(j, values, lo, hi, scale);
            values.push(lambda);
        }
        Some(())
    }

    /// Unit eigenvectors, one after the other in `vectors`, for the (accurate, descending)
    /// eigenvalues in `values`, as [`Self::top_values`] gives them.
    pub fn eigenvectors(&self, values: &[f64], vectors: &mut Vec<f64>, work: &mut TridiagonalWork) {
        let m = self.len();
        let (lo, hi) = self.gershgorin();
        let scale = lo.abs().max(hi.abs()).max(f64::MIN_POSITIVE);
        vectors.clear();
        for &lambda in values {
            let start = vectors.len();
            vectors.resize(start + m, 0.0);
            let (done, vector) = vectors.split_at_mut(start);
            self.eigenvector(lambda, scale, done, vector, work);
        }
    }

    /// Bounds on the spectrum (Gershgorin discs).
    fn gershgorin(&self) -> (f64, f64) {
        let m = self.len();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for i in 0..m {
            let radius =
                if i > 0 { self.off[i - 1].abs() } else { 0.0 } + if i + 1 < m { self.off[i].abs() } else { 0.0 };
            lo = lo.min(self.diagonal[i] - radius);
            hi = hi.max(self.diagonal[i] + radius);
        }
        (lo, hi)
    }

    /// The eigenvalue with descending index `j` (ascending index m − 1 − j), given the larger
    /// ones in `found`.
    fn eigenvalue(&self, j: usize, found: &[f64], lo: f64, hi: f64, scale: f64) -> f64 {
        let m = self.len();
        // λ is the smallest x with at least `target` eigenvalues below or at it; the bracket
        // [a, b] keeps below(a) < target ≤ below(b), so a ≤ λ ≤ b. The eigenvalue found before
        // this one bounds it from above.
        let target = m - j;
        let (mut a, mut b) = (lo, found.last().map_or(hi, |&f| f.min(hi)));
        let n = m as f64;
        let mut x = if j == 0 { hi } else { 0.5 * (a + b) };
        loop {
            let probe = self.probe(x);
            if probe.below >= target {
                b = x;
            } else {
                a = x;
            }
            if b - a <= 2.0 * f64::EPSILON * a.abs().max(b.abs()) + f64::MIN_POSITIVE {
                return 0.5 * (a + b);
            }
            // Between λ and the next larger eigenvalue (below = target) λ is the nearest root
            // below x; between the next smaller one and λ (below = target − 1), the nearest
            // above. Laguerre's step that way converges to it; elsewhere, bisect.
            let (g, h) = (probe.g, probe.h);
            let root = ((n - 1.0) * (n * h - g * g)).max(0.0).sqrt();
            let step = if probe.singular {
                // x is an eigenvalue: λ itself when exactly `target` are at or below it.
                if probe.below == target {
                    0.0
                } else {
                    f64::NAN
                }
            } else if probe.below == target {
                n / (g + root)
            } else if probe.below + 1 == target {
                n / (g - root)
            } else {
                f64::NAN
            };
            let next = x - step;
            if next >= a && next <= b {
                if (next - x).abs() <= f64::EPSILON * (2.0 * x.abs() + scale) {
                    return next;
                }
                x = next;
            } else {
                // Not finite, out of the bracket, or no Laguerre step: bisect.
                let mid = 0.5 * (a + b);
                if mid <= a || mid >= b {
                    return mid;
                }
                x = mid;
            }
        }
    }

    /// A unit eigenvector for the (accurate) eigenvalue `lambda`: up to three steps of inverse
    /// iteration from a fixed unit start, each orthogonalized against the vectors in
    /// `previous`. T − σI is factored once; the solves then need no division. The first vector
    /// stops as soon as a solve grows the unit right-hand side beyond 1/(64ε‖T‖): its residual
    /// ‖(T − σI)y‖ is then at rounding level (usually after one solve, since σ is within a few
    /// ulps of λ). Later ones take all three steps, which also separate clustered eigenvalues.
    fn eigenvector(&self, lambda: f64, scale: f64, previous: &[f64], out: &mut [f64], work: &mut TridiagonalWork) {
        let m = self.len();
        // A shift a hair away from λ keeps the solve finite when λ is exact.
        let shift = lambda + scale * f64::EPSILON * 4.0;
        self.factor_shifted(shift, work);
        work.rhs.clear();
        work.rhs.extend((0..m).map(|i| 1.0 + 0.1 * ((i * 7 % 11) as f64)));
        normalize(&mut work.rhs);
        for _ in 0..3 {
            work.solve();
            for p in previous.chunks_exact(m) {
                let c: f64 = p.iter().zip(&work.rhs).map(|(a, b)| a * b).sum();
                for (r, pi) in work.rhs.iter_mut().zip(p) {
                    *r -= c * pi;
                }
            }
            let Some(norm) = normalize(&mut work.rhs) else { break };
            if previous.is_empty() && norm * 64.0 * f64::EPSILON * scale >= 1.0 {
                break;
            }
        }
        out.copy_from_slice(&work.rhs);
    }

    /// LU factors of T − shift·I by Gaussian elimination with partial pivoting (which fills a
    /// second superdiagonal), for [`TridiagonalWork::solve`]. The choice of pivot row is made
    /// by selection rather than by branching, so that it costs no mispredicted jumps.
    fn factor_shifted(&self, shift: f64, work: &mut TridiagonalWork) {
        let m = self.len();
        let tiny = f64::MIN_POSITIVE.sqrt();
        for buffer in [&mut work.upper1, &mut work.upper2, &mut work.inv_pivot, &mut work.multiplier] {
            buffer.clear();
            buffer.resize(m, 0.0);
        }
        work.swapped.clear();
        work.swapped.resize(m, false);
        // What is left of row i: (diag, u1 at i + 1); row i + 1 is (l, d_next, upper at i + 2).
        let (mut diag, mut u1) = (self.diagonal[0] - shift, self.off.first().copied().unwrap_or(0.0));
        for i in 0..m.saturating_sub(1) {
            let (l, d_next) = (self.off[i], self.diagonal[i + 1] - shift);
            let upper = self.off.get(i + 1).copied().unwrap_or(0.0);
            let swap = l.abs() > diag.abs();
            // The pivot row (pivot, its two superdiagonals) and the row it eliminates.
            let (pivot, r_u1, r_u2) = if swap { (l, d_next, upper) } else { (diag, u1, 0.0) };
            let (e_first, e_d, e_u1) = if swap { (diag, u1, 0.0) } else { (l, d_next, upper) };
            let inv = 1.0 / if pivot == 0.0 { tiny } else { pivot };
            let factor = e_first * inv;
            (work.inv_pivot[i], work.multiplier[i], work.swapped[i]) = (inv, factor, swap);
            (work.upper1[i], work.upper2[i]) = (r_u1, r_u2);
            (diag, u1) = (e_d - factor * r_u1, e_u1 - factor * r_u2);
        }
        work.inv_pivot[m - 1] = 1.0 / if diag == 0.0 { tiny } else { diag };
    }
}

/// Scales v to unit length and returns its norm, or leaves it and returns None when the norm is
/// zero or not finite.
fn normalize(v: &mut [f64]) -> Option<f64> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !(norm.is_finite() && norm > 0.0) {
        return None;
    }
    let inv_norm = 1.0 / norm;
    v.iter_mut().for_each(|x| *x *= inv_norm);
    Some(norm)
}

impl TridiagonalWork {
    /// Solves (T − σI)y = rhs in place with the factors of [`Tridiagonal::factor_shifted`].
    fn solve(&mut self) {
        let m = self.inv_pivot.len();
        let b = &mut self.rhs;
        for i in 0..m.saturating_sub(1) {
            let (top, bottom) = if self.swapped[i] { (b[i + 1], b[i]) } else { (b[i], b[i + 1]) };
            b[i] = top;
            b[i + 1] = bottom - self.multiplier[i] * top;
        }
        let (mut next, mut after) = (0.0, 0.0);
        for i in (0..m).rev() {
            let v = (b[i] - self.upper1[i] * next - self.upper2[i] * after) * self.inv_pivot[i];
            b[i] = v;
            (next, after) = (v, next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dense::SymmetricEigen;
    use crate::rng::{normal, seeded};
    use nalgebra::DMatrix;

    fn dense(diagonal: &[f64], off: &[f64]) -> DMatrix<f64> {
        let m = diagonal.len();
        DMatrix::from_fn(m, m, |i, j| {
            if i == j {
                diagonal[i]
            } else if i + 1 == j {
                off[i]
            } else if j + 1 == i {
                off[j]
            } else {
                0.0
            }
        })
    }

    /// Long matrices whose leading minors leave the range of f64 (|aᵢ − x| far above or below
    /// one for hundreds of rows) are rescaled on the way, and still match the dense solver.
    #[test]
    fn huge_and_tiny_minors_are_rescaled() {
        let mut rng = seeded(5);
        let (mut values, mut vectors, mut work) = (Vec::new(), Vec::new(), TridiagonalWork::default());
        for size in [1e4, 1e-6] {
            let m = 300;
            let diagonal: Vec<f64> = (0..m).map(|_| normal(&mut rng) * size).collect();
            let off: Vec<f64> = (0..m - 1).map(|_| normal(&mut rng) * size).collect();
            Tridiagonal { diagonal: &diagonal, off: &off }.top(3, &mut values, &mut vectors, &mut work).unwrap();
            let exact = SymmetricEigen::new(&dense(&diagonal, &off)).unwrap();
            for (j, (value, exact_value)) in values.iter().zip(exact.values.iter()).enumerate() {
                assert!((value - exact_value).abs() <= 1e-13 * exact.values[0].abs(), "{size}: λ{j}");
            }
        }
    }

    /// A probe that lands exactly on an eigenvalue of a leading block (here the midpoint 3 of
    /// the bracket for the second eigenvalue) must not be taken for an eigenvalue.
    #[test]
    fn a_vanishing_pivot_is_not_an_eigenvalue() {
        let off = 0.3093988553724114;
        let t = Tridiagonal { diagonal: &[3.0, 3.0], off: &[off] };
        let (mut values, mut vectors) = (Vec::new(), Vec::new());
        t.top(2, &mut values, &mut vectors, &mut TridiagonalWork::default()).unwrap();
        for (value, exact) in values.iter().zip([3.0 + off, 3.0 - off]) {
            assert!((value - exact).abs() <= 4.0 * f64::EPSILON, "{values:?}");
        }
    }

    /// Random tridiagonal matrices, also with tiny and zero off-diagonals (decoupled blocks)
    /// and repeated diagonals (clustered eigenvalues): the top eigenvalues match the dense
    /// solver, and the vectors are unit eigenvectors with small residuals.
    #[test]
    fn matches_the_dense_solver() {
        let mut rng = seeded(11);
        let mut work = TridiagonalWork::default();
        let (mut values, mut vectors) = (Vec::new(), Vec::new());
        for case in 0..400usize {
            let m = 1 + case % 25;
            let mut diagonal: Vec<f64> = (0..m).map(|_| normal(&mut rng) * 10.0).collect();
            let mut off: Vec<f64> = (0..m.saturating_sub(1)).map(|_| normal(&mut rng)).collect();
            match case % 4 {
                1 => off.iter_mut().step_by(3).for_each(|b| *b = 0.0),
                2 => off.iter_mut().for_each(|b| *b *= 1e-9),
                3 => diagonal.iter_mut().for_each(|d| *d = 3.0),
                _ => {}
            }
            let t = Tridiagonal { diagonal: &diagonal, off: &off };
            let k = 3.min(m);
            t.top(k, &mut values, &mut vectors, &mut work).unwrap();
            let a = dense(&diagonal, &off);
            let exact = SymmetricEigen::new(&a).unwrap();
            let norm = exact.values[0].abs().max(exact.values[m - 1].abs()).max(1e-300);
            for j in 0..k {
                assert!(
                    (values[j] - exact.values[j]).abs() <= 1e-13 * norm,
                    "case {case}: λ{j} {} vs {}",
                    values[j],
                    exact.values[j]
                );
                let y = nalgebra::DVector::from_column_slice(&vectors[j * m..(j + 1) * m]);
                assert!((y.norm() - 1.0).abs() < 1e-12, "case {case}: vector {j} not unit");
                let residual = (&a * &y - &y * values[j]).norm();
                assert!(residual <= 1e-10 * norm, "case {case}: residual {residual} of vector {j}");
            }
        }
    }
}
