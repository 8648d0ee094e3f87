//! The switching figure's CSV tables.

use super::{Switching, System};
use crate::figures::Table;
use crate::math::switching::Sup;

impl Switching {
    /// The data at θ*, the sweep's sups (each flagged when a lower bound) and the modes' constants.
    pub(super) fn csv_tables(&self) -> Vec<Table> {
        let m = &self.ssds.minimum;
        let mut tables = vec![Table {
            name: "data",
            columns: vec!["x", "y", "residual", "on_knot"],
            rows: (0..m.data.len())
                .map(|j| {
                    vec![
                        m.data.x[j],
                        m.data.y[j],
                        m.residuals[j],
                        if m.on_knot.iter().any(|&(jj, _)| jj == j) { 1.0 } else { 0.0 },
                    ]
                })
                .collect(),
        }];
        // A sup whose runs were stopped is a lower bound: the column after it says so (1).
        let flagged = |s: Sup| [s.value(), if matches!(s, Sup::AtLeast(_)) { 1.0 } else { 0.0 }];
        let rows: Vec<Vec<f64>> = self
            .sims
            .iter()
            .filter_map(|s| {
                let (model, network) = (s.sup(System::Model)?, s.sup(System::Network)?);
                Some([[s.epsilon].as_slice(), &flagged(model), &flagged(network)].concat())
            })
            .collect();
        if !rows.is_empty() {
            tables.push(Table {
                name: "sweep",
                columns: vec![
                    "epsilon",
                    "model_sup_mean_distance",
                    "model_stopped_lower_bound",
                    "network_sup_mean_distance",
                    "network_stopped_lower_bound",
                ],
                rows,
            });
        }
        if let Some(lemma) = &self.lemma {
            tables.push(Table {
                name: "modes",
                columns: vec!["mode", "lambda_m", "delta", "gamma"],
                rows: lemma
                    .lambdas
                    .iter()
                    .enumerate()
                    .map(|(i, &l)| vec![i as f64, l, lemma.delta, lemma.gamma])
                    .collect(),
            });
        }
        tables
    }
}
