//! What several figures show alike, so that no figure imports another: the input laws and
//! targets of `function-space` and `proof-lemma4`; the least-squares problem and SGD's runs of
//! `linear-stability` and `proof-mean-dynamics`, and their panel of the error dynamics.

pub mod dynamics_panel;
pub mod function_laws;
pub mod linear_dynamics;
