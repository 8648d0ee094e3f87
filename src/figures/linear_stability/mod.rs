//! `linear-stability`: Definition 1 and Theorem 1 (Wu et al.) on least squares, with the exact
//! mean-square test beside Wu's criterion, the GD condition and simulated runs.
//!
//! Panels: the three tests against η at the current batch size (each is "≤ 1"); the error
//! dynamics E‖θ_t − θ*‖², ‖E[θ_t − θ*]‖ and the median run against t, exact and simulated; and
//! the stability map over (η, B), coloured by the exact test, with the boundaries of the three
//! tests. A click on the map or a drag on the first panel sets η (and B).
//!
//! The problem and the runs are shared with `proof-mean-dynamics` through [`Dynamics`]: the
//! same settings build the same problem and the same runs in both figures. This module holds
//! the settings, the state and its work; `draw` the figure's own panels, `verdict` its words,
//! `tables` its CSV tables.

mod draw;
mod tables;
mod verdict;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::shared::dynamics_panel::{draw_dynamics, DynamicsView, RunsNorm};
use super::shared::linear_dynamics::{Dynamics, Labels, ProblemSettings, Start, ETA_RANGE};
use super::{Activity, Figure, Grab, Panel, Preset, Table, Tone, Verdict, WORK_PER_UNIT, WORK_UNIT_NAME};
use crate::kit::params::{ParamError, ParamSpec, ParamValues};
use crate::kit::plot::{self, DrawResult, Theme};
use crate::math::linear_stability::{gd_factor, wu_criterion, StabilityMap};

crate::figure_params! {
    /// The settings of `linear-stability`.
    pub struct Settings, keys SettingsKeys {
        /// The default sits between Wu's threshold and the exact one at the default B: the first
        /// view shows Wu's criterion failing at a stable minimum.
        eta: f64 = "eta", "step size \u{3b7}", Log(ETA_RANGE.0, ETA_RANGE.1), 0.79;
        batch: usize = "batch", "batch size B", Integer(1, 50), 2;
        labels: Labels = "labels", "labels", Choice, Labels::Exact;
        dim: usize = "d", "dimension d", Integer(2, 10), 4;
        samples: usize = "n", "samples n", Integer(2, 50), 16;
        seed: u64 = "seed", "problem seed", Integer(1, 999), 5;
        runs: usize = "runs", "simulated runs R", Integer(10, 1000), 400;
        horizon: usize = "horizon", "steps T", Integer(10, 500), 150;
    }
}

impl Settings {
    /// The settings that build the problem and its runs.
    pub fn problem(&self) -> ProblemSettings {
        ProblemSettings {
            dim: self.dim,
            samples: self.samples,
            batch: self.batch,
            eta: self.eta,
            labels: self.labels,
            seed: self.seed,
            runs: self.runs,
            horizon: self.horizon,
        }
    }
}

crate::figure_panels! {
    /// The panels of `linear-stability`.
    pub enum Panels {
        Tests = "tests", "The three stability tests against the step size at the current batch size: the exact spectral radius of the mean-square operator, Wu's criterion and the GD factor, each stable when at most 1; drag to set η",
        Dynamics = "dynamics", "The mean squared distance E‖θ_t − θ*‖² and the distance of the mean ‖E[θ_t − θ*]‖ against the step t on a log scale, exact (lines) and from simulated runs (dots), with the median distance of the runs",
        Map = "map", "Stability map over step size η and batch size B, coloured by the exact test, with the exact boundary, Wu's boundary and η = 2/λ_max(H); click to set η and B",
    }
}

/// Step-size columns of the stability map, spanning the range of η.
const MAP_COLUMNS: usize = 64;

pub struct LinearStability {
    params: ParamValues,
    state: Result<State, String>,
}

struct State {
    dynamics: Dynamics,
    map: StabilityMap,
    /// λ_max(T(I)) (Wu) and max(1 − ηλᵢ)² (GD) at the map's step sizes, for the current B.
    wu_curve: Vec<f64>,
    gd_curve: Vec<f64>,
    /// Multiply-adds granted by `step` and not yet spent.
    credit: usize,
}

impl State {
    fn row(&self) -> usize {
        self.dynamics.batch - 1
    }
}

impl Figure for LinearStability {
    const ID: &'static str = "linear-stability";
    const TITLE: &'static str = "Linear stability of SGD: the exact test, Wu's criterion and 2/\u{3b7}";
    const PARAMS: &'static [ParamSpec] = Settings::SPECS;
    const PANELS: &'static [Panel] = Panels::PANELS;
    const PACE: Option<f64> = None;
    const UNIT: &'static str = WORK_UNIT_NAME;
    const PRESETS: &'static [Preset] = {
        let k = Settings::KEYS;
        &[
            Preset { label: "Wu fails, yet stable", values: &[(k.batch, 1.0), (k.eta, 0.42)] },
            Preset { label: "rare runs", values: &[(k.eta, 0.9)] },
            Preset { label: "GD-stable, SGD-unstable", values: &[(k.eta, 1.2)] },
            Preset { label: "label noise", values: &[(k.labels, Labels::Noisy.value()), (k.eta, 0.5)] },
            Preset { label: "GD (B = n)", values: &[(k.batch, 16.0), (k.eta, 1.9)] },
        ]
    };

    fn validate(params: &ParamValues) -> Result<(), ParamError> {
        let keys = Settings::KEYS;
        Settings::read(params).problem().check().map_err(|conflict| conflict.refusal(keys.samples, keys.batch))
    }

    fn new(params: ParamValues) -> Self {
        let settings = Settings::read(&params);
        let state = Dynamics::new(&settings.problem(), Start::TopEigenvector).map(|dynamics| {
            let map = StabilityMap::new(&dynamics.problem, ETA_RANGE, MAP_COLUMNS, dynamics.batch);
            let wu_curve = map.etas.iter().map(|&eta| wu_criterion(&dynamics.problem, eta, dynamics.batch)).collect();
            let gd_curve = map.etas.iter().map(|&eta| gd_factor(&dynamics.problem, eta)).collect();
            State { dynamics, map, wu_curve, gd_curve, credit: 0 }
        });
        Self { params, state }
    }

    fn params(&self) -> &ParamValues {
        &self.params
    }

    fn step(&mut self, units: usize) -> Activity {
        let Ok(s) = &mut self.state else { return Activity::Idle };
        s.credit = s.credit.saturating_add(units.saturating_mul(WORK_PER_UNIT));
        let m = s.dynamics.operator.coords().len();
        // A cell is a Lanczos run on the m × m matrix of T: about 25 products of m² each, and a
        // fixed overhead (setting up, the tridiagonal problems) measured at about 5,000.
        let cell_cost = 25 * m * m + 5_000;
        let columns = s.map.columns();
        // The current batch size's row first (the first panel needs it), then the runs, then
        // the rest of the map. Each piece of work is done once the credit covers its cost, so
        // what is done depends only on the units granted in all, not on how they were sliced.
        loop {
            if s.map.cells_done() >= columns && !s.dynamics.trajectories.is_complete() {
                s.credit = s.dynamics.advance(s.credit);
                if !s.dynamics.trajectories.is_complete() {
                    return Activity::Running;
                }
            } else if !s.map.is_complete() {
                if s.credit < cell_cost {
                    return Activity::Running;
                }
                s.credit -= cell_cost;
                s.map.advance(&s.dynamics.problem, &s.dynamics.operator, 1);
            } else {
                return Activity::Idle;
            }
        }
    }

    fn draw<DB: DrawingBackend>(&self, panel: usize, area: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult<DB>
    where
        DB::ErrorType: 'static,
    {
        let Some(which) = Panels::from_index(panel) else { return plot::no_such_panel(area, theme, Self::ID, panel) };
        let Some(s) = plot::state_or_message(&self.state, area, theme, which.key())? else { return Ok(None) };
        match which {
            Panels::Tests => s.draw_tests(area, theme),
            Panels::Dynamics => {
                let view = DynamicsView {
                    mean: true,
                    second_moment: true,
                    runs_norm: Some(RunsNorm::Median),
                    level: None,
                    cursor: false,
                };
                draw_dynamics(&s.dynamics, area, theme, &view)
            }
            Panels::Map => s.draw_map(area, theme),
        }
    }

    fn verdict(&self) -> Verdict {
        match &self.state {
            Ok(s) => s.verdict(),
            Err(message) => Verdict { text: plot::refusal(message), tone: Tone::Bad },
        }
    }

    fn readouts(&self) -> Vec<(String, String)> {
        self.state.as_ref().map_or_else(|_| Vec::new(), State::readouts)
    }

    fn tables(&self) -> Vec<Table> {
        self.state.as_ref().map_or_else(|_| Vec::new(), State::tables)
    }

    fn grab(&self, panel: usize, x: f64, y: f64) -> Option<Grab> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        let keys = Settings::KEYS;
        match Panels::from_index(panel)? {
            Panels::Tests => Some(Grab::X(keys.eta)),
            Panels::Map => Some(Grab::XY(keys.eta, keys.batch)),
            Panels::Dynamics => None,
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn with(values: &[(&str, f64)]) -> ParamValues {
        let mut p = ParamValues::defaults(LinearStability::PARAMS);
        for (k, v) in values {
            p.set(k, *v).unwrap();
        }
        p
    }

    /// Where the exact second moment passed its cap before the horizon while the runs went on,
    /// the verdict gives the runs' value and says where the exact one was left.
    #[test]
    fn a_capped_exact_value_is_reported_as_such() {
        let mut fig = LinearStability::new(with(&[("eta", 0.95), ("horizon", 300.0)]));
        fig.finish();
        let Ok(s) = &fig.state else { panic!("a valid setting") };
        let traj = &s.dynamics.trajectories;
        assert!(traj.simulated().diverged_at().is_none() && traj.exact_stopped_at().is_some_and(|t| t < 300));
        let text = fig.verdict().text;
        assert!(text.contains("over 400 runs; the exact value passed 1e12 times its start at t = "), "{text}");
        let exact = column(&fig, "exact_mean_square");
        let stop = traj.exact_stopped_at().unwrap();
        assert!(exact[stop] > 1e12 && exact[stop + 1..].iter().all(|v| v.is_nan()), "not followed is not drawn");
    }

    fn column(fig: &LinearStability, name: &str) -> Vec<f64> {
        let tables = fig.tables();
        let table = &tables[0];
        let c = table.columns.iter().position(|c| *c == name).unwrap();
        table.rows.iter().map(|r| r[c]).collect()
    }

    #[test]
    fn contradictory_parameters_are_reported_not_drawn() {
        let refusal = LinearStability::validate(&with(&[("batch", 30.0)])).unwrap_err();
        assert_eq!(refusal.key, "batch");
        assert_eq!(LinearStability::validate(&with(&[("d", 8.0), ("n", 5.0)])).unwrap_err().key, "n");
        assert!(LinearStability::validate(&with(&[])).is_ok());
        let fig = LinearStability::new(with(&[("batch", 30.0)]));
        let v = fig.verdict();
        assert_eq!(v.tone, Tone::Bad);
        assert!(v.text.contains("B = 30") && v.text.contains("n = 16"), "{}", v.text);
        assert!(fig.tables().is_empty());
        let fig = LinearStability::new(with(&[("d", 8.0), ("n", 5.0), ("batch", 2.0)]));
        assert!(fig.verdict().text.contains("n \u{2265} d"));
    }
}
