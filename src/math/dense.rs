//! Dense symmetric eigen-decompositions: the cross-check of every iterative eigen-solver.

use nalgebra::{DMatrix, DVector};

/// Eigenvalues in descending order and their unit eigenvectors as columns.
#[derive(Clone, Debug)]
pub struct SymmetricEigen {
    pub values: Vec<f64>,
    pub vectors: DMatrix<f64>,
}

/// Iteration cap of the QR sweeps: nalgebra's unbounded variant can loop forever on some
/// inputs, so the bounded one is used and failure is a `None`.
const MAX_SWEEPS: usize = 10_000;

impl SymmetricEigen {
    /// None when the iteration does not converge within its cap or the input is not finite.
    pub fn new(m: &DMatrix<f64>) -> Option<Self> {
        if !m.iter().all(|v| v.is_finite()) {
            return None;
        }
        let eig = m.clone().try_symmetric_eigen(f64::EPSILON, MAX_SWEEPS)?;
        let mut order: Vec<usize> = (0..eig.eigenvalues.len()).collect();
        order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
        let values = order.iter().map(|&i| eig.eigenvalues[i]).collect();
        let vectors = DMatrix::from_columns(
            &order.iter().map(|&i| eig.eigenvectors.column(i).into_owned()).collect::<Vec<DVector<f64>>>(),
        );
        Some(Self { values, vectors })
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
