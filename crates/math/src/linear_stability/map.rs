//! The stability map: ρ(T) over a grid of step sizes and batch sizes, with each batch size's
//! thresholds, filled a cell at a time.

use nalgebra::DMatrix;

use super::{wu_threshold, MeanSquareOperator, SymmetricCoords, TopEigen};
use crate::least_squares::LeastSquares;

/// Relative accuracy of ρ(T) in the cells of a stability map: far finer than its colours,
/// and a cell's side of ρ = 1 is decided by the exact threshold of its row anyway.
const CELL_TOLERANCE: f64 = 1e-8;

/// The exact test over a grid of (η, B): ρ(T) per cell, with the thresholds of the exact test,
/// of Wu et al.'s criterion and of GD per batch size. Filled a row (batch size) at a time by
/// [`StabilityMap::advance`], the given batch size first.
#[derive(Clone, Debug)]
pub struct StabilityMap {
    /// Step sizes of the columns, log-spaced.
    pub etas: Vec<f64>,
    /// Batch sizes of the rows: 1, …, n.
    pub batches: Vec<usize>,
    /// ρ(T) per cell, row after row; NaN until computed.
    radius: Vec<f64>,
    /// Per row: the largest stable η of the exact test and of Wu's criterion; NaN until computed.
    pub exact_thresholds: Vec<f64>,
    pub wu_thresholds: Vec<f64>,
    /// 2/λ_max(H), the same for every batch size.
    pub gd_threshold: f64,
    /// Rows in the order they are filled, and how far filling got (in cells).
    order: Vec<usize>,
    done: usize,
    eigen: TopEigen,
    workspace: DMatrix<f64>,
}

impl StabilityMap {
    /// A map with `columns` step sizes spanning `eta_range` (log-spaced) and every batch size
    /// of the problem, starting with row `first_batch`.
    pub fn new(problem: &LeastSquares, eta_range: (f64, f64), columns: usize, first_batch: usize) -> Self {
        let n = problem.len();
        let columns = columns.max(2);
        let (lo, hi) = (eta_range.0.ln(), eta_range.1.ln());
        let etas = (0..columns).map(|i| (lo + (hi - lo) * i as f64 / (columns - 1) as f64).exp()).collect();
        let batches: Vec<usize> = (1..=n).collect();
        let first = first_batch.clamp(1, n.max(1)) - 1;
        let order = std::iter::once(first).chain((0..n).filter(|&r| r != first)).collect();
        let m = SymmetricCoords::new(problem.dim()).len();
        Self {
            etas,
            radius: vec![f64::NAN; n * columns],
            exact_thresholds: vec![f64::NAN; n],
            wu_thresholds: vec![f64::NAN; n],
            gd_threshold: 2.0 / problem.sharpness(),
            batches,
            order,
            done: 0,
            eigen: TopEigen::new(m),
            workspace: DMatrix::zeros(m, m),
        }
    }

    pub fn columns(&self) -> usize {
        self.etas.len()
    }

    /// ρ(T) at row `row` (batch size row + 1) and column `col`; None until computed.
    pub fn radius(&self, row: usize, col: usize) -> Option<f64> {
        let r = self.radius[row * self.columns() + col];
        (!r.is_nan()).then_some(r)
    }

    /// The computed ρ(T) of a row, as (η, ρ) pairs.
    pub fn row(&self, row: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        (0..self.columns()).filter_map(move |c| self.radius(row, c).map(|r| (self.etas[c], r)))
    }

    pub fn is_complete(&self) -> bool {
        self.done == self.radius.len()
    }

    /// The cells computed so far, in the order they are filled (the first row first).
    pub fn cells_done(&self) -> usize {
        self.done
    }

    /// The share of cells computed.
    pub fn progress(&self) -> f64 {
        self.done as f64 / self.radius.len().max(1) as f64
    }

    /// Computes up to `cells` more cells (a row's thresholds come with its first cell).
    /// Returns whether cells remain.
    pub fn advance(&mut self, problem: &LeastSquares, operator: &MeanSquareOperator, cells: usize) -> bool {
        let columns = self.columns();
        for _ in 0..cells {
            if self.is_complete() {
                break;
            }
            let row = self.order[self.done / columns];
            let col = self.done % columns;
            let batch = self.batches[row];
            if col == 0 {
                self.exact_thresholds[row] = operator.threshold(batch, &mut self.eigen);
                self.wu_thresholds[row] = wu_threshold(problem, batch);
            }
            operator.matrix_into(self.etas[col], batch, &mut self.workspace);
            self.radius[row * columns + col] = self.eigen.largest(&self.workspace, CELL_TOLERANCE);
            self.done += 1;
        }
        !self.is_complete()
    }

    /// Whether every cell of a row is computed.
    pub fn row_is_complete(&self, row: usize) -> bool {
        let columns = self.columns();
        self.radius[row * columns..(row + 1) * columns].iter().all(|r| !r.is_nan())
    }

    /// Whether the thresholds of a row are known.
    pub fn has_thresholds(&self, row: usize) -> bool {
        !self.exact_thresholds[row].is_nan()
    }
}
