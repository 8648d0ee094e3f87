//! What several figures show alike, so that no figure imports another: the least-squares
//! problem and SGD's runs of `linear-stability` and `proof-mean-dynamics`, and their panel of
//! the error dynamics.

pub mod dynamics_panel;
pub mod linear_dynamics;
