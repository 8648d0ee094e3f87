//! The Lemma 4 figure's CSV tables.

use super::ProofLemma4;
use crate::figures::Table;
use crate::math::function_space::CHAIN_LINES;

impl ProofLemma4 {
    /// The data with f, every line's value with its gap to the next, and each neuron's terms.
    pub(super) fn csv_tables(&self) -> Vec<Table> {
        let data = &self.problem.data;
        let mut tables = vec![Table {
            name: "data",
            columns: vec!["x", "y", "f"],
            rows: data
                .x
                .iter()
                .zip(&data.y)
                .map(|(&x, &y)| vec![x, y, self.problem.net.eval(&self.theta, x)])
                .collect(),
        }];
        if let Ok(e) = &self.evaluation {
            let gaps =
                (0..CHAIN_LINES)
                    .map(|l| if l + 1 < CHAIN_LINES { e.chain.lines[l] - e.chain.lines[l + 1] } else { 0.0 });
            tables.push(Table {
                name: "lines",
                columns: vec!["line", "value", "gap_to_next"],
                rows: e
                    .chain
                    .lines
                    .iter()
                    .zip(gaps)
                    .enumerate()
                    .map(|(l, (&v, g))| vec![(l + 1) as f64, v, g])
                    .collect(),
            });
            let p = self.problem.net.layout(&self.theta);
            tables.push(Table {
                name: "neurons",
                columns: vec![
                    "neuron", "w1", "b1", "w2", "line3", "line4", "line5", "line6", "line7", "line8", "line9",
                ],
                rows: (0..self.problem.net.width)
                    .map(|i| {
                        let mut row = vec![i as f64, p.w1[i], p.b1[i], p.w2[i]];
                        row.extend(e.chain.neuron_terms[i]);
                        row
                    })
                    .collect(),
            });
        }
        tables
    }
}
