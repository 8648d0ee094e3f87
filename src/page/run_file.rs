//! Saved runs: a training figure's settings, data and parameters θ as one JSON document, so a
//! run can be shared, reloaded in the page, or resumed from the command line.
//!
//! The format (version 2):
//!
//! ```json
//! {
//!   "format": "sgd-stability run",
//!   "version": 2,
//!   "figure": "edge-of-stability",
//!   "params": { "eta": "0.06", "activation": "tanh", ... },
//!   "data": { "input_dim": 1, "output_dim": 1, "x": [-1.0, ...], "y": [1.0, ...] },
//!   "theta": [0.12, ...],
//!   "step": 0
//! }
//! ```
//!
//! `params` holds every parameter as the text a link would carry (choices by name); each goes
//! through the same validation as a slider or a link. `data.x` is row-major, `input_dim` values
//! per point, and so is `data.y`, `output_dim` values per point (one-hot for classes). Version 1,
//! written before networks had several outputs, has no `output_dim` and reads as one output. `theta` is laid out as the figure's network documents, and `step` says how many
//! updates produced it, counted from the start of training (at most [`MAX_STEP`]): a run
//! resumed from a file counts on from there. Reading never panics: oversized, malformed or
//! inconsistent documents are refused with a message.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::figures::Figure;
use crate::kit::params::{Input, ParamValues};
use crate::math::datasets::Dataset;

/// The `format` field of every run file.
pub const FORMAT: &str = "sgd-stability run";
/// The version this build writes; it reads this one and every earlier one.
pub const VERSION: u32 = 2;
/// Documents longer than this are refused before parsing (the largest network and data set
/// the page trains fit in far less).
pub const MAX_LEN: usize = 16 << 20;
/// The largest `step` a run file may give (the figures train at most 20,000 steps at a time, so
/// a resumed run's steps stay far from overflowing, in 32-bit WebAssembly too).
pub const MAX_STEP: usize = 1_000_000_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    pub format: String,
    pub version: u32,
    pub figure: String,
    pub params: BTreeMap<String, String>,
    pub data: DataFile,
    pub theta: Vec<f64>,
    pub step: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    pub input_dim: usize,
    /// Absent from version 1, whose targets are single values.
    #[serde(default = "one_output")]
    pub output_dim: usize,
    pub x: Vec<f64>,
    pub y: Vec<f64>,
}

impl RunFile {
    /// A run of figure `F` with these settings, data and parameters.
    pub fn new<F: Figure>(params: &ParamValues, data: &Dataset, theta: &[f64], step: usize) -> Self {
        Self {
            format: FORMAT.to_string(),
            version: VERSION,
            figure: F::ID.to_string(),
            params: params.iter().map(|(spec, _)| (spec.key.to_string(), params.text(spec))).collect(),
            data: DataFile {
                input_dim: data.input_dim,
                output_dim: data.output_dim,
                x: data.x.clone(),
                y: data.y.clone(),
            },
            theta: theta.to_vec(),
            step,
        }
    }

    /// Parses and checks a document: format, version and that it names a figure.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.len() > MAX_LEN {
            return Err(format!("the run file is too large ({} bytes; at most {MAX_LEN})", text.len()));
        }
        let run = json::read(text).map_err(|e| format!("not a run file: {e}"))?;
        if run.format != FORMAT {
            return Err(format!("not a run file: its format is \u{201c}{}\u{201d}", run.format));
        }
        if !(1..=VERSION).contains(&run.version) {
            return Err(format!(
                "run files of version {} are not supported (this build reads versions 1 to {VERSION})",
                run.version
            ));
        }
        if run.version == 1 && run.data.output_dim != 1 {
            return Err("a run file of version 1 has one output per point; this one says otherwise".into());
        }
        if run.step > MAX_STEP {
            return Err(format!("the run file's step {} is beyond {MAX_STEP}", run.step));
        }
        if !run.theta.iter().all(|t| t.is_finite()) {
            return Err("the run file's parameters θ are not all finite".into());
        }
        Ok(run)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a run file serializes")
    }

    /// The settings for figure `F`, validated like every other source's
    /// ([`ParamValues::with_changes`]); a parameter the file leaves out keeps its default.
    pub fn params_for<F: Figure>(&self) -> Result<ParamValues, String> {
        if self.figure != F::ID {
            return Err(format!(
                "this run file is for the figure \u{201c}{}\u{201d}, not \u{201c}{}\u{201d}",
                self.figure,
                F::ID
            ));
        }
        let settings = self.params.iter().map(|(key, text)| (key.as_str(), Input::Text(text)));
        ParamValues::defaults(F::PARAMS).with_changes::<F>(settings).map_err(|e| e.message)
    }

    /// The data set, checked (dimensions, lengths, finite values).
    pub fn dataset(&self) -> Result<Dataset, String> {
        Dataset::new(self.data.input_dim, self.data.output_dim, self.data.x.clone(), self.data.y.clone())
    }
}

fn one_output() -> usize {
    1
}

/// Run files from JSON text, natively through serde_json.
#[cfg(not(target_arch = "wasm32"))]
mod json {
    use super::RunFile;

    pub fn read(text: &str) -> Result<RunFile, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// Run files from JSON text in the browser: the browser's own JSON parser (exact for every f64,
/// as serde_json's is), its values crossing through serde-wasm-bindgen, which keeps serde_json's
/// parser out of the page's WebAssembly. Writing stays with serde_json everywhere, so that the
/// page and the command line write the same text (and -0.0, which JavaScript writes as 0).
#[cfg(target_arch = "wasm32")]
mod json {
    use serde::Deserialize;
    use wasm_bindgen::JsCast;

    use super::RunFile;

    pub fn read(text: &str) -> Result<RunFile, String> {
        let value = js_sys::JSON::parse(text).map_err(|e| {
            e.dyn_ref::<js_sys::Error>().map_or_else(|| "not JSON".to_string(), |e| String::from(e.message()))
        })?;
        RunFile::deserialize(serde_wasm_bindgen::Deserializer::from(value)).map_err(|e| e.to_string())
    }
}
