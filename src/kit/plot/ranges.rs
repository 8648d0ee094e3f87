//! The data side of drawing: axis ranges that fit the values, polylines clipped to the view,
//! and long series thinned to what a panel can show.

/// A padded range covering `values` (finite ones only); a small symmetric range around a
/// single value; (−1, 1) when there is nothing finite.
pub fn padded_range(values: impl IntoIterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return (-1.0, 1.0);
    }
    let span = hi - lo;
    let span = if span > 1e-12 * lo.abs().max(hi.abs()).max(1e-300) { span } else { lo.abs().max(1.0) };
    (lo - pad * span, hi + pad * span)
}

/// A log-axis range covering the positive finite `values`, floored at `floor_ratio` times the
/// largest so that exact zeros (which a log axis cannot show) sit on the bottom edge.
pub fn log_range(values: impl IntoIterator<Item = f64>, floor_ratio: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi == 0.0 {
        return (1e-3, 1.0);
    }
    let lo = lo.max(hi * floor_ratio).max(f64::MIN_POSITIVE);
    let (lo, hi) = (lo / 3.0, hi * 3.0);
    if hi / lo < 10.0 {
        (hi / 10.0, hi)
    } else {
        (lo, hi)
    }
}

/// The parts of the polyline `points` inside the box x ∈ `xs`, y ∈ `ys` (linear axes), cut
/// exactly where it crosses the border. Plotters pulls every point outside a chart onto its
/// edge, which bends lines and draws values that are not there; draw these pieces instead.
pub fn clip_polyline(points: &[(f64, f64)], xs: (f64, f64), ys: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut open = false;
    for pair in points.windows(2) {
        let Some((a, b)) = clip_segment(pair[0], pair[1], xs, ys) else {
            open = false;
            continue;
        };
        match pieces.last_mut() {
            Some(piece) if open && piece.last() == Some(&a) => piece.push(b),
            _ => pieces.push(vec![a, b]),
        }
        // The next segment continues this piece only if this one ends inside, uncut.
        open = b == pair[1];
    }
    if let [single] = points {
        if (xs.0..=xs.1).contains(&single.0) && (ys.0..=ys.1).contains(&single.1) {
            pieces.push(vec![*single]);
        }
    }
    pieces
}

/// The part of the segment from `a` to `b` inside the box (Liang–Barsky), if any.
fn clip_segment(a: (f64, f64), b: (f64, f64), xs: (f64, f64), ys: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return None;
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a.0 - xs.0), (dx, xs.1 - a.0), (-dy, a.1 - ys.0), (dy, ys.1 - a.1)] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    Some((at(t0), at(t1)))
}

/// At most about `max` points of a long series for drawing: the first and last point of each
/// bucket and its lowest and highest, so oscillations keep their envelope.
pub fn thin(points: &[(f64, f64)], max: usize) -> Vec<(f64, f64)> {
    let buckets = (max / 4).max(1);
    if points.len() <= max {
        return points.to_vec();
    }
    let size = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(4 * buckets);
    for bucket in points.chunks(size) {
        let lowest = bucket.iter().min_by(|a, b| a.1.total_cmp(&b.1)).copied();
        let highest = bucket.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied();
        let picks = [Some(bucket[0]), lowest, highest, bucket.last().copied()];
        let xs = picks.map(|p| p.map_or(0.0, |p| p.0));
        for p in crate::math::order::ascending(&xs).into_iter().filter_map(|i| picks[i]) {
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
    }
    out
}
