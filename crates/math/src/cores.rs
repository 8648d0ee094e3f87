//! Independent pieces of work (the runs of a sweep or of a Monte Carlo estimate): natively
//! spread over every core by rayon's work-stealing pool, in wasm done one after the other on the
//! page's thread. A piece's numbers depend on that piece only, never on the thread that does it
//! or on the order, so every core, one core and the page give the same results.
//!
//! Each piece runs under the calling thread's `IsaChoice`: a pool thread does not inherit
//! [`on_baseline`](super::kernels::on_baseline), and a kernel with fused multiply-adds rounds
//! differently.

#[cfg(not(target_arch = "wasm32"))]
use super::kernels::IsaChoice;
#[cfg(not(target_arch = "wasm32"))]
use rayon::prelude::*;

/// Does `work` on every item of `items`.
pub fn for_each<T: Send>(items: &mut [T], work: impl Fn(&mut T) + Sync + Send) {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let isa = IsaChoice::here();
        items.par_iter_mut().for_each(|item| isa.run(|| work(item)));
    }
    #[cfg(target_arch = "wasm32")]
    items.iter_mut().for_each(work);
}

/// `work` done on every item of `items`, the results in the items' order.
pub fn map<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync + Send) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let isa = IsaChoice::here();
        items.into_par_iter().map(|item| isa.run(|| work(item))).collect()
    }
    #[cfg(target_arch = "wasm32")]
    items.into_iter().map(work).collect()
}
