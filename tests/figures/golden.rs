//! Every figure's tables at its defaults, pinned: the CSV a reader downloads from each figure as
//! the page first shows it, finished, compared byte for byte with
//! `tests/figures/golden/<id>.<table>.csv`.
//! A change of code that moves a single number fails here, so a refactor that is meant to keep
//! the behaviour proves it does; a change that is meant to move numbers rewrites the files, and
//! its diff shows which numbers moved.
//!
//! To rewrite them after an intended change: `GOLDEN=write cargo test --test figures golden`.

use std::path::PathBuf;

use sgd_stability::figures::{self, Figure, FigureVisitor, ALL_IDS};
use sgd_stability::math::kernels::on_baseline;

/// Where a table's pinned CSV lives.
fn golden_path(id: &str, table: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/figures/golden").join(format!("{id}.{table}.csv"))
}

/// The tables of figure `F` at its defaults, run to the end, as (name, CSV).
struct FinishedTables;

impl FigureVisitor for FinishedTables {
    type Output = Vec<(&'static str, String)>;
    fn visit<F: Figure + 'static>(self) -> Self::Output {
        // On the build's own instruction set, whatever the processor offers at run time: the
        // same arithmetic, so the same bytes, on every machine.
        on_baseline(|| {
            let mut figure = F::with_defaults();
            figure.finish();
            figure.tables().iter().map(|t| (t.name, t.to_csv())).collect()
        })
    }
}

#[test]
fn every_figure_exports_its_pinned_tables_at_its_defaults() {
    let write = std::env::var("GOLDEN").is_ok_and(|v| v == "write");
    let mut differing = Vec::new();
    let mut expected_files = Vec::new();
    for id in ALL_IDS {
        let tables = figures::visit(id, FinishedTables).expect("a figure of the registry");
        for (table, csv) in tables {
            let path = golden_path(id, table);
            expected_files.push(path.clone());
            if write {
                std::fs::write(&path, &csv).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(pinned) if pinned == csv => {}
                Ok(pinned) => {
                    let line = pinned.lines().zip(csv.lines()).position(|(a, b)| a != b);
                    differing.push(format!(
                        "{id}.{table}: differs from {} (first at line {}; {} lines pinned, {} now)",
                        path.display(),
                        line.map_or_else(|| "end".to_string(), |l| (l + 1).to_string()),
                        pinned.lines().count(),
                        csv.lines().count()
                    ));
                }
                Err(_) => differing.push(format!("{id}.{table}: no pinned file {}", path.display())),
            }
        }
    }
    assert!(
        differing.is_empty(),
        "tables at the defaults changed (GOLDEN=write rewrites them after an intended change):\n{}",
        differing.join("\n")
    );
    // No pinned file is left over from a table that no longer exists.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/figures/golden");
    for entry in std::fs::read_dir(&dir).expect("tests/figures/golden") {
        let path = entry.expect("a directory entry").path();
        assert!(expected_files.contains(&path), "{} belongs to no figure's table", path.display());
    }
}
