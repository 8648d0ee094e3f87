//! Figures finished at their defaults or at a preset, run once per run of this crate and shared
//! by the tests that look at them: the digits presets take a minute each, and both the page's
//! claims and the legend checks read the same runs.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use sgd_stability::figures::Figure;
use sgd_stability::kit::params::{Input, ParamValues};
use sgd_stability::math::kernels::on_baseline;

type Slot = Arc<Mutex<Option<Box<dyn Any + Send>>>>;

/// The slot of one finished figure; a test that panicked while looking does not spoil it.
fn slot(key: String) -> Slot {
    static SLOTS: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let mut slots = lock(SLOTS.get_or_init(Default::default));
    slots.entry(key).or_default().clone()
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The settings of `F` at the preset `label` (its defaults when None).
pub fn settings<F: Figure>(preset: Option<&str>) -> ParamValues {
    let defaults = ParamValues::defaults(F::PARAMS);
    let Some(label) = preset else { return defaults };
    let preset =
        F::PRESETS.iter().find(|p| p.label == label).unwrap_or_else(|| panic!("{} has no preset {label}", F::ID));
    let changes = preset.values.iter().map(|&(key, value)| (key, Input::Number(value)));
    defaults.with_changes::<F>(changes).unwrap_or_else(|e| panic!("{} preset {label}: {e:?}", F::ID))
}

/// Calls `look` with `F` finished at the preset `label` (at its defaults when None). The first
/// test to ask runs the figure, on the build's own instruction set as the page's claims are
/// checked (see claims.rs); the others wait for it and look at the same run.
pub fn look<F: Figure + 'static, R>(preset: Option<&str>, look: impl FnOnce(&F) -> R) -> R {
    let slot = slot(format!("{}/{}", F::ID, preset.unwrap_or("defaults")));
    let mut held = lock(&slot);
    let figure = held.get_or_insert_with(|| {
        on_baseline(|| {
            let mut figure = F::new(settings::<F>(preset));
            figure.finish();
            Box::new(figure)
        })
    });
    look(figure.downcast_ref::<F>().expect("a slot holds the figure its key names"))
}
