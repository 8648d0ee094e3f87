//! The kit the figures are built with: parameters and their validation, the plotting helpers
//! and house style, the recording backend that places legends and notes, and the plain-text
//! notation of verdicts and readouts.

pub mod format;
pub mod notation;
pub mod panels;
pub mod params;
pub mod plot;
pub mod recording;
