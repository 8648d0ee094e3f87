//! The page's claims about what a reader will see, each checked on the exact setting it names.
//!
//! Every sentence of a caption, a verdict, a note or a walkthrough step that says what a figure
//! shows at its defaults or at a preset ("within a thousand steps", "the sharpness settles at
//! the new 2/η", "try B = 1, η = 0.6") has a test here, named after the sentence, with the
//! sentence quoted in its doc comment. Where a claim and its figure disagree, the claim or the
//! setting is fixed, never the test. Reading this file tells which sentences of the page are
//! backed by a test; sentences that state a theorem are backed by the property tests of their
//! own topic files instead.

#![cfg(not(target_arch = "wasm32"))]

// ============================================================================================
// Part I: interpolation, rescaling and the quadratics
// ============================================================================================

// ============================================================================================
// Linear stability, Theorem 1 and Theorem 1.1's proof
// ============================================================================================

// ============================================================================================
// The edge of stability and sharpness versus learning rate
// ============================================================================================

// ============================================================================================
// Non-differentiable minima: switching systems and Lemma 3
// ============================================================================================

// ============================================================================================
// Function space, Lemma 4 and the corollary
// ============================================================================================
