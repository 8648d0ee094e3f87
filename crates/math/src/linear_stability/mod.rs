//! Linear stability of SGD at a minimum: Definition 1, Theorem 1 (Wu et al.) and Theorem 1.1
//! (Mulayoff et al.), exactly, on the least-squares problem of [`super::least_squares`].
//!
//! With e_t = θ_t − θ*, the batch Hessian Ĥ_t and the batch gradient ĝ_t at θ*, SGD reads
//!   e_{t+1} = (I − ηĤ_t) e_t − η ĝ_t,
//! which is Definition 1's linearized system (and, for least squares, SGD itself). Batches are
//! independent across steps, so the mean μ_t = E\[e_t\] and the second moment S_t = E\[e_t e_tᵀ\]
//! obey closed recursions:
//!   μ_{t+1} = (I − ηH) μ_t                                          (E\[Ĥ\] = H, E\[ĝ\] = ∇L(θ*) = 0)
//!   S_{t+1} = T(S_t) + η²c [C(μ_t) + C(μ_t)ᵀ + G],   T(M) = E[(I − ηĤ) M (I − ηĤ)],
//! with c the batch factor, C(μ) = (1/n)Σⱼ Hⱼμgⱼᵀ and G = (1/n)Σⱼ gⱼgⱼᵀ (both zero with exact
//! labels). E‖e_t‖² = tr S_t, so mean-square stability is a property of the linear map T.
//!
//! **The exact test.** By the batch identity, E\[ĤMĤ\] = HMH + c·(1/n)Σⱼ (Hⱼ − H)M(Hⱼ − H), so
//!   T(M) = M − η(HM + MH) + η²[(1 − c)·HMH + c·(1/n)Σⱼ HⱼMHⱼ].
//! T maps symmetric matrices to symmetric matrices and positive semi-definite ones to positive
//! semi-definite ones. In its d² × d² (Kronecker) form it is E[(I − ηĤ) ⊗ (I − ηĤ)], a
//! symmetric matrix because every I − ηĤ is; restricted to symmetric M with the orthonormal
//! basis {Eᵢᵢ, (Eᵢⱼ + Eⱼᵢ)/√2} (d(d + 1)/2 coordinates, [`SymmetricCoords`]) it stays
//! symmetric. Because T is positive, its spectral radius ρ(T) is itself an eigenvalue with a
//! positive semi-definite eigenvector (Perron–Frobenius for cones), hence a symmetric one: so
//! ρ(T) is the largest eigenvalue of the d(d + 1)/2-dimensional symmetric matrix, and that is
//! what is computed (Lanczos, cross-checked against dense decompositions of both forms and
//! against batches enumerated one by one in the tests).
//!
//! **The three tests compared.** For η > 0:
//! - exact: ρ(T) ≤ 1 ⇔ η·Q ≼ L with L(M) = HM + MH and Q the η² part above, so the largest
//!   stable η is 1/λ_max(L^{−1/2} Q L^{−1/2}) ([`MeanSquareOperator::threshold`]);
//! - Wu et al.: λ_max(T(I)) ≤ 1 with T(I) = (I − ηH)² + η²Σ_B. If T(P) = ρP with P ≽ 0 scaled
//!   to λ_max(P) = 1, then ρP = T(P) ≼ T(I), and at P's top eigenvector ρ ≤ λ_max(T(I)): Wu's
//!   criterion is sufficient, and in general not necessary (equality for d = 1);
//! - GD: T − T₀ is a positive map for T₀(M) = (I − ηH)M(I − ηH), so ρ(T) ≥ ρ(T₀) =
//!   max(1 − ηλᵢ)², and mean-square stability forces λ_max(H) ≤ 2/η (the conclusion of
//!   Theorem 1.1, which draws it from the weaker stability of Definition 1).
//!
//! By job: [`operator`] holds T in symmetric coordinates and the three tests, [`moments`] the
//! exact moments and the simulated runs, [`map`] the stability map over (η, B).

mod map;
mod moments;
mod operator;

pub use map::StabilityMap;
pub use moments::{ExactMoments, MomentEstimate, MonteCarlo, RunSpec, Trajectories};
pub use operator::{gd_factor, wu_criterion, wu_threshold, MeanSquareOperator, SymmetricCoords, TopEigen};

/// A Monte Carlo run is stopped once the mean of ‖e_t‖² exceeds this many times its start.
pub const DIVERGENCE_GROWTH: f64 = 1e12;
