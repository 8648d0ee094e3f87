//! What a panel draws, recorded while it is drawn.
//!
//! [`draw_panel`] is the one way a figure's panel is drawn: on the page's canvas, into the
//! command line's PNG and SVG files and in the tests. It draws through a [`RecordingBackend`],
//! which passes everything on to the real backend and notes every mark in device pixels, with
//! its [`Layer`]: data, which must stay visible, or the mesh and shaded backdrops, which a legend
//! may cover. The plot helpers say which layer they draw in (anything else counts as data) and
//! note each series' data points with the pixels they were drawn at ([`Readings`], for reading
//! exact values by pointing). With these marks `plot::legend` puts the legend where it covers
//! no data: a free corner or edge of the plotting area, or, when none is free, a band beside or
//! below it, for which the panel is drawn a second time.
//!
//! The record lives in a thread-local for the duration of one `draw_panel`: the helpers are
//! called deep inside each figure's drawing code, which knows nothing of it.

use super::format;
use std::cell::RefCell;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::BackendCoord;

use super::plot::{DrawError, PlotMap, Theme};
use crate::figures::AnyFigure;

mod backend;
mod legend;

pub use backend::RecordingBackend;
use legend::{LegendShape, Measured};

/// The least share of the panel's height and width that a legend band leaves the plotting
/// area, where another place for the legend can: less, and the curves are a sliver and the
/// tick labels run into each other.
pub const LEAST_PLOT_SHARE: f64 = 0.45;

/// A rectangle of device pixels, edges included (`x0 ≤ x1`, `y0 ≤ y1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl Rect {
    /// The rectangle spanning two corners given in any order.
    pub fn spanning(a: BackendCoord, b: BackendCoord) -> Rect {
        Rect { x0: a.0.min(b.0), y0: a.1.min(b.1), x1: a.0.max(b.0), y1: a.1.max(b.1) }
    }

    /// The pixels of a drawing area's pixel ranges (which exclude their ends).
    pub fn of_ranges((x, y): (std::ops::Range<i32>, std::ops::Range<i32>)) -> Rect {
        Rect { x0: x.start, y0: y.start, x1: x.end - 1, y1: y.end - 1 }
    }

    pub fn width(&self) -> i32 {
        self.x1 - self.x0 + 1
    }

    pub fn height(&self) -> i32 {
        self.y1 - self.y0 + 1
    }

    /// The rectangle moved by `by`.
    pub fn moved(&self, by: BackendCoord) -> Rect {
        Rect { x0: self.x0 + by.0, y0: self.y0 + by.1, x1: self.x1 + by.0, y1: self.y1 + by.1 }
    }

    /// The rectangle widened by `by` pixels on every side.
    pub fn grown(&self, by: i32) -> Rect {
        Rect { x0: self.x0 - by, y0: self.y0 - by, x1: self.x1 + by, y1: self.y1 + by }
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x0 <= other.x1 && other.x0 <= self.x1 && self.y0 <= other.y1 && other.y0 <= self.y1
    }

    pub fn contains(&self, (x, y): BackendCoord) -> bool {
        (self.x0..=self.x1).contains(&x) && (self.y0..=self.y1).contains(&y)
    }

    pub fn contains_rect(&self, other: &Rect) -> bool {
        self.contains((other.x0, other.y0)) && self.contains((other.x1, other.y1))
    }

    fn union(&self, other: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }
}

/// What a mark is to the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// What the panel shows: series, markers, reference lines, their labels, the caption. A
    /// legend must not cover it. Everything not drawn by a helper that says otherwise.
    Data,
    /// Axes, grid lines, tick labels and axis descriptions.
    Mesh,
    /// The background and shaded regions, which a legend may sit on.
    Backdrop,
    /// The legend itself.
    Legend,
    /// A legend drawn only to learn its size: nothing reaches the real backend.
    Measure,
}

/// The pixels a mark covers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// A line segment, `half_width` pixels to either side.
    Segment { from: BackendCoord, to: BackendCoord, half_width: i32 },
    /// A disc (a circle is counted with its inside).
    Disc { center: BackendCoord, radius: i32 },
    /// A filled area (by its bounding box).
    Area(Rect),
    /// A text's box (estimated from its size and length).
    Text(Rect),
}

impl Shape {
    /// The smallest rectangle holding the shape.
    pub fn bounds(&self) -> Rect {
        match *self {
            Shape::Area(rect) | Shape::Text(rect) => rect,
            Shape::Disc { center, radius } => Rect::spanning(center, center).grown(radius),
            Shape::Segment { from, to, half_width } => Rect::spanning(from, to).grown(half_width),
        }
    }

    /// Whether the shape covers any pixel of `rect`.
    pub fn touches(&self, rect: &Rect) -> bool {
        match *self {
            Shape::Area(area) | Shape::Text(area) => area.overlaps(rect),
            Shape::Disc { center, radius } => {
                let dx = (rect.x0 - center.0).max(0).max(center.0 - rect.x1) as i64;
                let dy = (rect.y0 - center.1).max(0).max(center.1 - rect.y1) as i64;
                dx * dx + dy * dy <= (radius as i64) * (radius as i64)
            }
            Shape::Segment { from, to, half_width } => segment_meets(from, to, &rect.grown(half_width)),
        }
    }
}

/// Whether the segment from `a` to `b` meets `rect` (Liang–Barsky clipping).
fn segment_meets(a: BackendCoord, b: BackendCoord, rect: &Rect) -> bool {
    let (x0, y0) = (a.0 as f64, a.1 as f64);
    let (dx, dy) = (b.0 as f64 - x0, b.1 as f64 - y0);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let edges =
        [(-dx, x0 - rect.x0 as f64), (dx, rect.x1 as f64 - x0), (-dy, y0 - rect.y0 as f64), (dy, rect.y1 as f64 - y0)];
    for (p, q) in edges {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}

/// One mark a panel drew.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub layer: Layer,
    pub shape: Shape,
}

/// A data point a series drew, and the device pixel it was drawn at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reading {
    pub x: f64,
    pub y: f64,
    pub pixel: BackendCoord,
    /// The index of its series in [`Readings::series`].
    pub series: usize,
}

/// The data points a panel's series drew, for reading exact values by pointing: the numbers
/// given to the drawing, not pixels mapped back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Readings {
    /// The descriptions of the x and y axes.
    pub axes: (String, String),
    /// The series' names, in drawing order.
    pub series: Vec<String>,
    /// The points inside the plotting area, in drawing order.
    pub points: Vec<Reading>,
}

impl Readings {
    /// The point drawn nearest to the device pixel `at`, if one is within `within` pixels. The
    /// last drawn wins a tie, as it is the one on top.
    pub fn nearest(&self, at: (f64, f64), within: f64) -> Option<&Reading> {
        let mut best: Option<(&Reading, f64)> = None;
        for point in &self.points {
            let (dx, dy) = (point.pixel.0 as f64 - at.0, point.pixel.1 as f64 - at.1);
            let distance = dx * dx + dy * dy;
            if distance <= within * within && best.is_none_or(|(_, d)| distance <= d) {
                best = Some((point, distance));
            }
        }
        best.map(|(point, _)| point)
    }

    /// What pointing at `point` shows: its series, then each coordinate with its axis, one to a
    /// line (a coordinate whose axis has no description, such as a column's position, is left
    /// out).
    pub fn label(&self, point: &Reading) -> String {
        let mut text = self.series.get(point.series).cloned().unwrap_or_default();
        for (axis, value) in [(&self.axes.0, point.x), (&self.axes.1, point.y)] {
            if !axis.is_empty() {
                text.push_str(&format!("\n{axis} = {}", format::reading(value)));
            }
        }
        text
    }
}

/// Where a legend that fits in no corner goes, and how much room its band takes (device pixels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Band {
    /// Right of the plotting area.
    Right(i32),
    /// Below the plotting area and its axis labels.
    Below(i32),
}

/// What drawing a panel produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    /// The pixel ↔ data map of a panel with draggable handles.
    pub map: Option<PlotMap>,
    /// The points the series drew.
    pub readings: Readings,
    /// Every mark, by layer.
    pub marks: Vec<Mark>,
    /// The plotting area, when the panel has a chart.
    pub plot: Option<Rect>,
    /// The legend's box, when the panel has one.
    pub legend: Option<Rect>,
    /// The band the legend needed outside the plotting area.
    pub band: Option<Band>,
    /// The smallest text drawn in each layer, in device pixels.
    pub smallest_text: SmallestText,
}

/// The smallest font size a panel drew its text at in the layers a reader reads, in device
/// pixels (None where the layer has no text): what a check of legibility at a given screen
/// size reads.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SmallestText {
    /// Captions and labels on the data.
    pub data: Option<f64>,
    /// Tick labels and axis descriptions.
    pub mesh: Option<f64>,
    /// The legend's entries.
    pub legend: Option<f64>,
}

impl SmallestText {
    /// Counts a text of `size` device pixels drawn in `layer`.
    fn note(&mut self, layer: Layer, size: f64) {
        let slot = match layer {
            Layer::Data => &mut self.data,
            Layer::Mesh => &mut self.mesh,
            Layer::Legend => &mut self.legend,
            Layer::Backdrop | Layer::Measure => return,
        };
        *slot = Some(slot.map_or(size, |smallest| smallest.min(size)));
    }
}

/// The record of the panel being drawn.
struct Record {
    layer: Layer,
    /// The panel's drawing area.
    panel: Rect,
    /// The part of the panel a legend band may use.
    bounds: Rect,
    /// The band reserved for the legend (on the second drawing).
    band: Option<Band>,
    marks: Vec<Mark>,
    /// What the legend drawn in [`Layer::Measure`] showed.
    measured: Measured,
    /// The legend's shape, once measured, and in how many columns it is drawn.
    legend_shape: Option<(LegendShape, i32)>,
    readings: Readings,
    plot: Option<Rect>,
    legend: Option<Rect>,
    /// A legend fitted in no corner: the inset and the gap kept around it.
    needs_band: Option<(i32, i32)>,
    /// How far the legend's marks are moved (see `RecordingBackend::route`).
    legend_shift: BackendCoord,
    smallest_text: SmallestText,
}

thread_local! {
    static RECORD: RefCell<Option<Record>> = const { RefCell::new(None) };
}

/// Runs `f` on the record of the panel being drawn, if one is.
fn with_record<R>(f: impl FnOnce(&mut Record) -> R) -> Option<R> {
    RECORD.with(|record| record.borrow_mut().as_mut().map(f))
}

/// The record of one drawing of a panel: installed on creation, removed when dropped (also
/// when drawing fails or panics).
struct Session;

impl Session {
    fn begin(bounds: Rect, band: Option<Band>) -> Session {
        RECORD.with(|record| {
            *record.borrow_mut() = Some(Record {
                layer: Layer::Data,
                panel: bounds,
                bounds,
                band,
                marks: Vec::new(),
                measured: Measured::default(),
                legend_shape: None,
                readings: Readings::default(),
                plot: None,
                legend: None,
                needs_band: None,
                legend_shift: (0, 0),
                smallest_text: SmallestText::default(),
            })
        });
        Session
    }

    fn finish(self) -> Option<Record> {
        RECORD.with(|record| record.borrow_mut().take())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        RECORD.with(|record| record.borrow_mut().take());
    }
}

/// Draws panel `panel` of `figure` on `area`, recording what it draws; a legend that fits in no
/// corner gets a band outside the plotting area, for which the panel is drawn again.
pub fn draw_panel<F: AnyFigure<RecordingBackend<DB>> + ?Sized, DB: DrawingBackend>(
    figure: &F,
    panel: usize,
    area: &DrawingArea<RecordingBackend<DB>, Shift>,
    theme: &Theme,
) -> Result<Drawn, DrawError<DB>>
where
    DB::ErrorType: 'static,
{
    let bounds = Rect::of_ranges(area.get_pixel_range());
    let session = Session::begin(bounds, None);
    let mut map = figure.draw(panel, area, theme)?;
    let mut record = session.finish().expect("the panel's record is installed while it is drawn");
    if let Some(band) = band_for(&record) {
        let session = Session::begin(bounds, Some(band));
        map = figure.draw(panel, area, theme)?;
        record = session.finish().expect("the panel's record is installed while it is drawn");
    }
    Ok(Drawn {
        map,
        readings: record.readings,
        marks: record.marks,
        plot: record.plot,
        legend: record.legend,
        band: record.band,
        smallest_text: record.smallest_text,
    })
}

/// The band for a legend that fitted in no corner: beside the plotting area (in one column) or
/// below it (in as many columns as the band's width holds). Preferred, in order: a band where
/// the legend also fits in what is left of the plotting area (it is drawn in its corner before
/// it moves to the band; see `RecordingBackend::route`), one that leaves the plotting area at
/// least [`LEAST_PLOT_SHARE`] of the panel, and the one that leaves the larger plotting area.
fn band_for(record: &Record) -> Option<Band> {
    let (inset, gap) = record.needs_band?;
    let plot = record.plot?;
    let (shape, _) = record.legend_shape.as_ref()?;
    // Markers at the plot's right edge reach past it: a band beside it starts beyond them.
    let overhang = record
        .marks
        .iter()
        .filter(|m| m.layer == Layer::Data && !matches!(m.shape, Shape::Text(_)))
        .map(|m| m.shape.bounds())
        .filter(|b| b.y1 >= plot.y0 && b.y0 <= plot.y1)
        .map(|b| b.x1 - plot.x1)
        .fold(0, i32::max)
        .min(gap * 8);
    let w = shape.size(1).0 + overhang;
    let (_, h) = shape.size(shape.columns_within(record.bounds.width() - 2 * inset));
    let (width, height) = (plot.width() - w - gap, plot.height() - h - gap);
    let keeps = |left: i32, whole: i32| f64::from(left) >= LEAST_PLOT_SHARE * f64::from(whole);
    let (panel_w, panel_h) = (record.panel.width(), record.panel.height());
    let beside = (width >= w, keeps(width, panel_w), i64::from(width.max(0)) * i64::from(plot.height()));
    let below = (height >= shape.size(1).1, keeps(height, panel_h), i64::from(plot.width()) * i64::from(height.max(0)));
    Some(if beside >= below { Band::Right(w + gap) } else { Band::Below(h + gap) })
}

/// Whether a panel is being drawn through [`draw_panel`].
pub fn recording() -> bool {
    with_record(|_| ()).is_some()
}

/// The band reserved for the legend of the panel being drawn, if any.
pub fn reserved_band() -> Option<Band> {
    with_record(|r| r.band).flatten()
}

/// Runs `draw` with its marks in `layer`.
pub fn in_layer<R>(layer: Layer, draw: impl FnOnce() -> R) -> R {
    let before = with_record(|r| std::mem::replace(&mut r.layer, layer));
    let result = draw();
    if let Some(before) = before {
        with_record(|r| r.layer = before);
    }
    result
}

/// Runs `draw`, which draws a legend at the plotting area's corner, with its marks in
/// [`Layer::Legend`] and moved by `shift` to where the legend goes.
pub fn in_legend_layer<R>(shift: BackendCoord, draw: impl FnOnce() -> R) -> R {
    with_record(|r| r.legend_shift = shift);
    in_layer(Layer::Legend, draw)
}

/// Notes the plotting area of the panel being drawn.
pub fn note_plot_area(plot: Rect) {
    with_record(|r| r.plot = Some(plot));
}

/// Narrows the part of the panel a legend band may use to `area`: a figure that writes notes
/// under its chart keeps the band above them, where its chart reserved it.
pub fn keep_legend_within(area: Rect) {
    with_record(|r| r.bounds = area);
}

/// Notes the axis descriptions of the panel being drawn, for its readings.
pub fn note_axes(x: &str, y: &str) {
    with_record(|r| r.readings.axes = (x.to_string(), y.to_string()));
}

/// Notes a series named `name` and its points with their pixels; points outside `plot` cannot
/// be pointed at and are left out.
pub fn note_series(name: &str, points: impl IntoIterator<Item = ((f64, f64), BackendCoord)>, plot: Rect) {
    with_record(|r| {
        let series = r.readings.series.len();
        r.readings.series.push(name.to_string());
        let inside =
            points.into_iter().filter(|&((x, y), pixel)| x.is_finite() && y.is_finite() && plot.contains(pixel));
        r.readings.points.extend(inside.map(|((x, y), pixel)| Reading { x, y, pixel, series }));
    });
}

/// Draws a legend with `draw` in [`Layer::Measure`], its entries `margin` pixels inside its
/// box, and returns what it covers in one column, or None when it has no entries (or nothing is
/// being recorded).
pub fn measure<E>(margin: i32, draw: impl FnOnce() -> Result<(), E>) -> Result<Option<Rect>, E> {
    with_record(|r| r.measured = Measured::default());
    in_layer(Layer::Measure, draw)?;
    Ok(with_record(|r| {
        r.legend_shape = LegendShape::of(std::mem::take(&mut r.measured), margin).map(|shape| (shape, 1));
        r.legend_shape.as_ref().map(|(shape, _)| shape.extent)
    })
    .flatten())
}

/// Where the legend just measured goes in the panel being drawn, as the top-left pixel of what
/// it covers: in the band reserved for it, or else in the first place of the plotting area
/// `plot` (corners first, then the middles of the edges, `inset` pixels in) where nothing drawn
/// as data comes within `gap` pixels. None when no place is free: the panel then asks for a
/// band (see [`draw_panel`]).
pub fn place_legend(plot: Rect, inset: i32, gap: i32) -> Option<BackendCoord> {
    with_record(|r| {
        let (shape, columns) = r.legend_shape.as_mut()?;
        if let Some(band) = r.band {
            let (at, (w, h)) = match band {
                Band::Right(_) => ((r.bounds.x1 - inset - shape.size(1).0 + 1, plot.y0 + gap), shape.size(1)),
                Band::Below(_) => {
                    *columns = shape.columns_within(r.bounds.width() - 2 * inset);
                    let (w, h) = shape.size(*columns);
                    let x = plot.x0.min(r.bounds.x1 - inset - w).max(r.bounds.x0 + inset);
                    ((x, r.bounds.y1 - inset - h), (w, h))
                }
            };
            r.legend = Some(Rect { x0: at.0, y0: at.1, x1: at.0 + w - 1, y1: at.1 + h - 1 });
            return Some(at);
        }
        let (w, h) = shape.size(1);
        let (left, right) = (plot.x0 + inset, plot.x1 - inset - w + 1);
        let (top, bottom) = (plot.y0 + inset, plot.y1 - inset - h + 1);
        let (centre, middle) = ((plot.x0 + plot.x1 + 1 - w) / 2, (plot.y0 + plot.y1 + 1 - h) / 2);
        let places = [
            (right, top),
            (left, top),
            (right, bottom),
            (left, bottom),
            (centre, top),
            (centre, bottom),
            (right, middle),
            (left, middle),
        ];
        let fits = right >= left && bottom >= top;
        let free = |&(x, y): &BackendCoord| {
            let rect = Rect { x0: x, y0: y, x1: x + w - 1, y1: y + h - 1 }.grown(gap);
            !r.marks.iter().any(|m| m.layer == Layer::Data && m.shape.touches(&rect))
        };
        match places.into_iter().filter(|_| fits).find(free) {
            Some(at) => {
                r.legend = Some(Rect { x0: at.0, y0: at.1, x1: at.0 + w - 1, y1: at.1 + h - 1 });
                Some(at)
            }
            None => {
                r.needs_band = Some((inset, gap));
                None
            }
        }
    })
    .flatten()
}
