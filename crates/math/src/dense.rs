//! Dense symmetric eigen-decompositions: the cross-check of every iterative eigen-solver.
//!
//! Cyclic Jacobi rotations: slow (O(d³) per sweep, a handful of sweeps) but simple and accurate
//! to working precision for eigenvalues and eigenvectors alike, which is what a reference must
//! be. (nalgebra's `symmetric_eigen` returns inaccurate eigenvectors for some matrices, see
//! dimforge/nalgebra#1109; the tests of this module keep a 3 × 3 case of it.)

use nalgebra::DMatrix;

/// Eigenvalues in descending order and their unit eigenvectors as columns.
#[derive(Clone, Debug)]
pub struct SymmetricEigen {
    pub values: Vec<f64>,
    pub vectors: DMatrix<f64>,
}

/// Jacobi converges quadratically; far fewer sweeps than this always suffice for finite input.
const MAX_SWEEPS: usize = 60;

impl SymmetricEigen {
    /// The decomposition of the symmetric part of `m`. None when `m` is not square or not
    /// finite, or the sweeps do not converge.
    pub fn new(m: &DMatrix<f64>) -> Option<Self> {
        let d = m.nrows();
        if d != m.ncols() || !m.iter().all(|v| v.is_finite()) {
            return None;
        }
        // Row-major working copies: a is the matrix being diagonalized, v the rotations so far.
        let mut a: Vec<f64> = (0..d * d).map(|k| 0.5 * (m[(k / d, k % d)] + m[(k % d, k / d)])).collect();
        let mut v: Vec<f64> = (0..d * d).map(|k| if k / d == k % d { 1.0 } else { 0.0 }).collect();
        let norm2: f64 = a.iter().map(|x| x * x).sum();
        let mut converged = d <= 1 || norm2 == 0.0;
        for _ in 0..MAX_SWEEPS {
            if converged {
                break;
            }
            let off2: f64 = (0..d)
                .flat_map(|p| (0..d).filter(move |&q| q != p).map(move |q| (p, q)))
                .map(|(p, q)| a[p * d + q].powi(2))
                .sum();
            if off2 <= (f64::EPSILON * f64::EPSILON) * norm2 * 1e-4 {
                converged = true;
                break;
            }
            for p in 0..d {
                for q in p + 1..d {
                    rotate(&mut a, &mut v, d, p, q);
                }
            }
        }
        if !converged {
            let off2: f64 = (0..d)
                .flat_map(|p| (0..d).filter(move |&q| q != p).map(move |q| (p, q)))
                .map(|(p, q)| a[p * d + q].powi(2))
                .sum();
            if off2 > (f64::EPSILON * f64::EPSILON) * norm2 * 1e-2 {
                return None;
            }
        }
        // Largest eigenvalue first (negation reverses the total order), ties in index order.
        let negated: Vec<f64> = (0..d).map(|i| -a[i * d + i]).collect();
        let order = crate::order::ascending(&negated);
        let values = order.iter().map(|&i| a[i * d + i]).collect();
        let vectors = DMatrix::from_fn(d, d, |row, col| v[row * d + order[col]]);
        Some(Self { values, vectors })
    }
}

/// One Jacobi rotation in the (p, q) plane that zeroes a\[p\]\[q\], applied to `a` from both sides
/// and accumulated into the columns of `v`.
fn rotate(a: &mut [f64], v: &mut [f64], d: usize, p: usize, q: usize) {
    let apq = a[p * d + q];
    if apq == 0.0 {
        return;
    }
    let (app, aqq) = (a[p * d + p], a[q * d + q]);
    let theta = (aqq - app) / (2.0 * apq);
    let t =
        if theta.abs() > 1e150 { 0.5 / theta } else { theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt()) };
    let c = 1.0 / (t * t + 1.0).sqrt();
    let s = t * c;
    for k in 0..d {
        let (akp, akq) = (a[k * d + p], a[k * d + q]);
        a[k * d + p] = c * akp - s * akq;
        a[k * d + q] = s * akp + c * akq;
    }
    for k in 0..d {
        let (apk, aqk) = (a[p * d + k], a[q * d + k]);
        a[p * d + k] = c * apk - s * aqk;
        a[q * d + k] = s * apk + c * aqk;
    }
    a[p * d + q] = 0.0;
    a[q * d + p] = 0.0;
    for k in 0..d {
        let (vkp, vkq) = (v[k * d + p], v[k * d + q]);
        v[k * d + p] = c * vkp - s * vkq;
        v[k * d + q] = s * vkp + c * vkq;
    }
}

/// The dense matrix of a linear operator given by its action, column by column.
pub fn matrix_of(dim: usize, mut apply: impl FnMut(&[f64], &mut [f64])) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(dim, dim);
    let mut e = vec![0.0; dim];
    let mut col = vec![0.0; dim];
    for j in 0..dim {
        e[j] = 1.0;
        apply(&e, &mut col);
        m.column_mut(j).copy_from_slice(&col);
        e[j] = 0.0;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A matrix on which nalgebra's decomposition gives a wrong eigenvector.
    #[test]
    fn decomposes_a_matrix_nalgebra_gets_wrong() {
        #[rustfmt::skip]
        let a = DMatrix::from_row_slice(3, 3, &[
            1.8005041442354943, -1.0934929189039253, -1.813486071062914,
            -1.0934929189039253, 1.3315391535653105, -2.243657862843407,
            -1.813486071062914, -2.243657862843407, -1.0368510178952102,
        ]);
        let eig = SymmetricEigen::new(&a).unwrap();
        for (i, &lambda) in eig.values.iter().enumerate() {
            let q = eig.vectors.column(i);
            assert!((&a * q - q * lambda).norm() < 1e-14 * 4.0);
        }
        assert!(eig.values.windows(2).all(|w| w[0] >= w[1]));
    }
}
