//! The function-space figure's CSV tables.

use super::FunctionSpace;
use crate::figures::Table;
use crate::math::function_space::{g, knots};

impl FunctionSpace {
    /// The data with f now and at the switch, every record of every run, the knots and g.
    pub(super) fn csv_tables(&self) -> Vec<Table> {
        let data = &self.problem.data;
        let focus = &self.runs[self.focus()].run;
        let switch_theta = focus.theta_at_switch();
        let mut tables = vec![Table {
            name: "data",
            columns: vec!["x", "y", "f_now", "f_at_switch"],
            rows: data
                .x
                .iter()
                .zip(&data.y)
                .map(|(&x, &y)| {
                    let now = self.problem.net.eval(focus.theta(), x);
                    vec![x, y, now, switch_theta.map_or(now, |t| self.problem.net.eval(t, x))]
                })
                .collect(),
        }];
        let records: Vec<Vec<f64>> = self
            .runs
            .iter()
            .enumerate()
            .flat_map(|(i, r)| {
                r.run.records().iter().map(move |rec| {
                    vec![i as f64, rec.step as f64, rec.eta, rec.loss, rec.peak_loss, rec.sharpness, rec.curvature]
                })
            })
            .filter(|row| row.iter().all(|v| v.is_finite()))
            .collect();
        if !records.is_empty() {
            tables.push(Table {
                name: "training",
                columns: vec!["run", "step", "eta", "loss", "peak_loss", "sharpness", "weighted_curvature"],
                rows: records,
            });
        }
        let knot_rows: Vec<Vec<f64>> = knots(&self.problem.net, focus.theta(), &data.x)
            .iter()
            .map(|k| vec![k.position, k.jump, k.weight])
            .filter(|r| r.iter().all(|v| v.is_finite()))
            .collect();
        if !knot_rows.is_empty() {
            tables.push(Table { name: "knots", columns: vec!["tau", "jump", "g_at_tau"], rows: knot_rows });
        }
        tables.push(Table {
            name: "weights",
            columns: vec!["x", "g_sample", "g_population"],
            rows: self.population.iter().map(|&(x, pop)| vec![x, g(&self.empirical, x), pop]).collect(),
        });
        tables
    }
}
