//! The tables of `linear-stability` for CSV export: the error dynamics, the three tests at the
//! current B, the stability map's cells and each batch size's thresholds.

use super::State;
use crate::figures::Table;

impl State {
    pub(super) fn tables(&self) -> Vec<Table> {
        let d = &self.dynamics;
        let moments = (0..=d.last_step())
            .map(|t| {
                let m = d.simulated_at(t);
                vec![
                    t as f64,
                    d.exact_mean_norm(t).unwrap_or(f64::NAN),
                    d.exact_mean_square(t).unwrap_or(f64::NAN),
                    norm(&m.mean),
                    m.mean_square_norm,
                    m.mean_norm,
                    m.median_norm,
                ]
            })
            .collect();
        let tests = self
            .map
            .etas
            .iter()
            .enumerate()
            .map(|(c, &eta)| {
                vec![eta, self.map.radius(self.row(), c).unwrap_or(f64::NAN), self.wu_curve[c], self.gd_curve[c]]
            })
            .collect();
        let cells = (0..self.map.batches.len())
            .flat_map(|row| (0..self.map.columns()).map(move |c| (row, c)))
            .map(|(row, c)| vec![(row + 1) as f64, self.map.etas[c], self.map.radius(row, c).unwrap_or(f64::NAN)])
            .collect();
        let thresholds = (0..self.map.batches.len())
            .map(|row| {
                vec![
                    (row + 1) as f64,
                    self.map.exact_thresholds[row],
                    self.map.wu_thresholds[row],
                    self.map.gd_threshold,
                ]
            })
            .collect();
        vec![
            Table {
                name: "dynamics",
                columns: vec![
                    "t",
                    "exact_mean_norm",
                    "exact_mean_square",
                    "sim_mean_norm",
                    "sim_mean_square",
                    "sim_mean_of_norm",
                    "sim_median_norm",
                ],
                rows: moments,
            },
            Table { name: "tests", columns: vec!["eta", "exact_rho", "wu", "gd"], rows: tests },
            Table { name: "map", columns: vec!["batch", "eta", "rho"], rows: cells },
            Table { name: "thresholds", columns: vec!["batch", "exact_eta", "wu_eta", "gd_eta"], rows: thresholds },
        ]
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}
