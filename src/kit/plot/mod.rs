//! Drawing helpers shared by every figure: the theme (colours, sizes scaled for HiDPI), chart
//! frames with consistent margins, the map from pixels back to data for dragging, and the calls
//! that draw series, shaded regions, meshes and legends. These say what they draw to the panel's
//! record (see `recording`): series note their points for reading by pointing, meshes and
//! shades are marked as what a legend may cover, and the legend goes where it covers no data.

use super::format;
use std::borrow::Borrow;

use plotters::chart::{MeshStyle, SeriesAnno};
use plotters::coord::Shift;
use plotters::element::{CoordMapper, Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::recording::{self, Band, Layer, Rect};

mod axis;
mod key;
mod messages;
mod ranges;

pub use axis::{Axis, BuildChart, Chart};

pub use key::{Capture, Key, Swatch};
use key::{Corner, LegendStyle};

pub use messages::{chars_per_line, message_panel, no_such_panel, refusal, state_or_message, wrap};
pub use ranges::{clip_polyline, log_range, padded_range, thin};

/// The error of drawing on backend `DB`.
pub type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

/// The result of drawing one panel: where its plotting area is, when it is draggable.
pub type DrawResult<DB> = Result<Option<PlotMap>, DrawError<DB>>;

/// Colours and sizes of a rendering. `scale` is device pixels per CSS pixel, so that text and
/// lines keep their size on HiDPI screens and in 2× exports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Theme {
    pub scale: f64,
    pub dark: bool,
}

/// The Okabe–Ito palette: distinguishable with every common colour-vision deficiency.
const SERIES_LIGHT: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];
const SERIES_DARK: [RGBColor; 6] = [
    RGBColor(86, 180, 233),
    RGBColor(240, 140, 60),
    RGBColor(60, 200, 150),
    RGBColor(224, 150, 190),
    RGBColor(240, 200, 70),
    RGBColor(150, 210, 245),
];

impl Theme {
    pub fn light(scale: f64) -> Self {
        Self { scale, dark: false }
    }

    pub fn background(&self) -> RGBColor {
        if self.dark {
            RGBColor(24, 26, 31)
        } else {
            RGBColor(255, 255, 255)
        }
    }

    pub fn foreground(&self) -> RGBColor {
        if self.dark {
            RGBColor(225, 227, 232)
        } else {
            RGBColor(28, 30, 36)
        }
    }

    pub fn muted(&self) -> RGBColor {
        if self.dark {
            RGBColor(150, 155, 165)
        } else {
            RGBColor(110, 114, 124)
        }
    }

    pub fn grid(&self) -> RGBColor {
        if self.dark {
            RGBColor(52, 56, 64)
        } else {
            RGBColor(232, 234, 238)
        }
    }

    /// The shade of the "stable" region of a plot.
    pub fn stable_fill(&self) -> RGBAColor {
        self.series(2).mix(0.14)
    }

    /// The shade of the "unstable" region of a plot.
    pub fn unstable_fill(&self) -> RGBAColor {
        self.series(1).mix(0.14)
    }

    /// The i-th series colour (cycling).
    pub fn series(&self, i: usize) -> RGBColor {
        let palette = if self.dark { &SERIES_DARK } else { &SERIES_LIGHT };
        palette[i % palette.len()]
    }

    /// `css_px` CSS pixels in device pixels.
    pub fn px(&self, css_px: f64) -> u32 {
        (css_px * self.scale).round().max(1.0) as u32
    }

    /// A text style of `css_px` size in the foreground colour.
    pub fn text(&self, css_px: f64) -> TextStyle<'static> {
        (FontFamily::SansSerif, css_px * self.scale).into_font().color(&self.foreground())
    }

    /// A solid line of `css_px` width.
    pub fn line(&self, color: impl Into<RGBAColor>, css_px: f64) -> ShapeStyle {
        ShapeStyle { color: color.into(), filled: false, stroke_width: self.px(css_px) }
    }
}

/// The map between a panel's plotting area (device pixels) and its data coordinates; each
/// axis is linear or logarithmic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlotMap {
    pub pixels_x: (i32, i32),
    pub pixels_y: (i32, i32),
    pub data_x: (f64, f64),
    pub data_y: (f64, f64),
    pub log_x: bool,
    pub log_y: bool,
}

impl PlotMap {
    /// The map of a chart's plotting area onto its axes.
    pub fn of<DB: DrawingBackend>(chart: &Chart<'_, DB>) -> Self {
        let (px, py) = chart.plotting_area().get_pixel_range();
        let (x, y) = (chart.as_coord_spec().x_spec(), chart.as_coord_spec().y_spec());
        let (xs, ys) = (x.range(), y.range());
        Self {
            pixels_x: (px.start, px.end),
            pixels_y: (py.start, py.end),
            data_x: (xs.start, xs.end),
            data_y: (ys.start, ys.end),
            log_x: x.is_log(),
            log_y: y.is_log(),
        }
    }

    /// Data coordinates of a device pixel (extrapolated outside the plotting area).
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        let fx = (px - self.pixels_x.0 as f64) / (self.pixels_x.1 - self.pixels_x.0).max(1) as f64;
        let fy = 1.0 - (py - self.pixels_y.0 as f64) / (self.pixels_y.1 - self.pixels_y.0).max(1) as f64;
        (interpolate(self.data_x, fx, self.log_x), interpolate(self.data_y, fy, self.log_y))
    }
}

/// The point a fraction `f` of the way through `range`, linearly or in log space.
fn interpolate(range: (f64, f64), f: f64, log: bool) -> f64 {
    if log {
        (range.0.ln() + f * (range.1.ln() - range.0.ln())).exp()
    } else {
        range.0 + f * (range.1 - range.0)
    }
}

/// Clears a panel to the theme's background.
pub fn clear<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, theme: &Theme) -> Result<(), DrawError<DB>> {
    recording::in_layer(Layer::Backdrop, || area.fill(&theme.background()))
}

/// A chart builder with the house margins, caption and label areas, and room for the legend
/// beside or below the plotting area when the panel's legend needs it (see `recording`). The
/// chart's legend starts empty (see [`Key`]).
pub fn frame<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    theme: &Theme,
    caption: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let (band, below) = match recording::reserved_band() {
        Some(Band::Right(width)) => (width.max(0) as u32, 0),
        Some(Band::Below(height)) => (0, height.max(0) as u32),
        None => (0, 0),
    };
    key::clear_entries();
    let (margin, right) = (theme.px(10.0), theme.px(16.0));
    let width = area.dim_in_pixel().0;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(margin)
        .margin_right(right + band)
        .margin_bottom(margin + below)
        .x_label_area_size(theme.px(38.0))
        .y_label_area_size(theme.px(54.0));
    let over_plot = caption_size(area, theme, caption, width.saturating_sub(margin + right + band));
    if over_plot >= TICK_LABEL_SIZE || band == 0 {
        builder.caption(caption, theme.text(over_plot.max(TICK_LABEL_SIZE)));
    } else {
        // Too long for the plot beside a legend's band: over both, as plotters sets a caption.
        let room = width.saturating_sub(margin + right);
        let style = theme.text(caption_size(area, theme, caption, room).max(TICK_LABEL_SIZE));
        let height = area.estimate_text_size(caption, &style).map_or(style.font.get_size() as u32, |(_, h)| h);
        let padding = (height / 2).min(5);
        let at = ((margin + room / 2) as i32, (margin + padding) as i32);
        // A caption that fails to draw leaves the chart below it as it is.
        let _ = area.draw(&Text::new(caption.to_string(), at, style.pos(Pos::new(HPos::Center, VPos::Top))));
        builder.margin_top(margin + 2 * padding + height);
    }
    builder
}

/// The size of `caption` in CSS pixels: 14, or smaller where `room` pixels across are too few
/// for it (a presentation's large type, a legend's band beside the plot). The caption is set at
/// least as large as the tick labels, and cut only where even that does not fit.
fn caption_size<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, theme: &Theme, caption: &str, room: u32) -> f64 {
    const SIZE: f64 = 14.0;
    let width = area.estimate_text_size(caption, &theme.text(SIZE)).map_or(0, |(w, _)| w);
    if width > room {
        SIZE * f64::from(room) / f64::from(width)
    } else {
        SIZE
    }
}

/// The size of the tick labels, the plots' smallest text, in CSS pixels.
const TICK_LABEL_SIZE: f64 = 11.0;

/// Draws the mesh of a chart in the house style, with axis descriptions.
pub fn mesh<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    theme: &Theme,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), DrawError<DB>> {
    let plot = plot_area(chart);
    recording::note_plot_area(plot);
    // Up to six tick labels up the y axis, fewer where they would be closer than two lines of
    // text (large type on a short plot).
    let y_labels = (f64::from(plot.height()) / (2.0 * f64::from(theme.px(TICK_LABEL_SIZE)))) as usize;
    custom_mesh((x_desc, y_desc), || {
        house_mesh(chart, theme)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(6)
            .y_labels(y_labels.clamp(2, 6))
            .x_label_formatter(&|v| format::tick(*v))
            .y_label_formatter(&|v| format::tick(*v))
            .draw()
    })
}

/// A chart's mesh in the house style (label and description text, axis and grid lines), for
/// the panel to finish with its descriptions, label counts and formatters, and draw.
pub fn house_mesh<'a, 'b, DB: DrawingBackend>(
    chart: &'b mut Chart<'a, DB>,
    theme: &Theme,
) -> MeshStyle<'a, 'b, Axis, Axis, DB> {
    let mut mesh = chart.configure_mesh();
    mesh.label_style(theme.text(TICK_LABEL_SIZE))
        .axis_desc_style(theme.text(12.0))
        .axis_style(theme.line(theme.muted(), 1.0))
        .bold_line_style(theme.line(theme.grid(), 1.0))
        .light_line_style(theme.line(theme.background(), 0.0));
    mesh
}

/// Draws a mesh configured by the panel itself (`draw` calls `configure_mesh`), marked as mesh
/// so that a legend may cover it; `axes` are its x and y descriptions, for pointing.
pub fn custom_mesh<E>(axes: (&str, &str), draw: impl FnOnce() -> Result<(), E>) -> Result<(), E> {
    recording::note_axes(axes.0, axes.1);
    recording::in_layer(Layer::Mesh, draw)
}

/// The pixels of a chart's plotting area.
fn plot_area<DB: DrawingBackend>(chart: &Chart<'_, DB>) -> Rect {
    Rect::of_ranges(chart.plotting_area().get_pixel_range())
}

/// Notes series `name`, drawn at `points` of `chart`, for reading its values by pointing.
fn note_series<DB: DrawingBackend>(chart: &Chart<'_, DB>, name: &str, points: &[(f64, f64)]) {
    if recording::recording() {
        let plot = plot_area(chart);
        recording::note_plot_area(plot);
        recording::note_series(name, points.iter().map(|&p| (p, chart.backend_coord(&p))), plot);
    }
}

/// Draws `points` joined by a line in `style`: series `name`, whose points can be read by
/// pointing. Returns the series' legend entry, to label.
pub fn line<'c, 'a, DB: DrawingBackend>(
    chart: &'c mut Chart<'a, DB>,
    name: &str,
    points: impl IntoIterator<Item = (f64, f64)>,
    style: impl Into<ShapeStyle>,
) -> Result<&'c mut SeriesAnno<'a, DB>, DrawError<DB>> {
    let points: Vec<(f64, f64)> = points.into_iter().collect();
    note_series(chart, name, &points);
    chart.draw_series(LineSeries::new(points, style))
}

/// Draws `points` joined by a line in `style`, cut where it leaves the view x ∈ `xs`, y ∈ `ys`
/// (see [`clip_polyline`]): series `name`, as [`line()`] does, whose readable points are those in
/// the view.
pub fn clipped_line<'c, 'a, DB: DrawingBackend>(
    chart: &'c mut Chart<'a, DB>,
    name: &str,
    points: &[(f64, f64)],
    (xs, ys): ((f64, f64), (f64, f64)),
    style: ShapeStyle,
) -> Result<&'c mut SeriesAnno<'a, DB>, DrawError<DB>> {
    let inside = |&&(x, y): &&(f64, f64)| (xs.0..=xs.1).contains(&x) && (ys.0..=ys.1).contains(&y);
    let shown: Vec<(f64, f64)> = points.iter().filter(inside).copied().collect();
    note_series(chart, name, &shown);
    chart.draw_series(clip_polyline(points, xs, ys).into_iter().map(move |piece| PathElement::new(piece, style)))
}

/// Draws `points` joined by a dashed line (`dash` pixels on, `gap` off) in `style`: series
/// `name`, as [`line()`] does.
pub fn dashed<'c, 'a, DB: DrawingBackend>(
    chart: &'c mut Chart<'a, DB>,
    name: &str,
    points: impl IntoIterator<Item = (f64, f64)>,
    (dash, gap): (u32, u32),
    style: ShapeStyle,
) -> Result<&'c mut SeriesAnno<'a, DB>, DrawError<DB>> {
    let points: Vec<(f64, f64)> = points.into_iter().collect();
    note_series(chart, name, &points);
    chart.draw_series(DashedLineSeries::new(points, dash, gap, style))
}

/// Draws `marker` at each of `points` (a dot, a cross, a bar…): series `name`, as [`line()`] does.
pub fn markers<'c, 'a, DB, B, E>(
    chart: &'c mut Chart<'a, DB>,
    name: &str,
    points: impl IntoIterator<Item = (f64, f64)>,
    marker: impl Fn((f64, f64)) -> E,
) -> Result<&'c mut SeriesAnno<'a, DB>, DrawError<DB>>
where
    DB: DrawingBackend,
    B: CoordMapper,
    for<'b> &'b E: PointCollection<'b, (f64, f64), B>,
    E: Drawable<DB, B>,
{
    let points: Vec<(f64, f64)> = points.into_iter().collect();
    note_series(chart, name, &points);
    chart.draw_series(points.into_iter().map(marker))
}

/// Draws shaded regions (translucent fills that mark where something holds), which a legend
/// may cover. Returns their legend entry, to label.
pub fn shade<'c, 'a, DB, B, E, R, S>(
    chart: &'c mut Chart<'a, DB>,
    regions: S,
) -> Result<&'c mut SeriesAnno<'a, DB>, DrawError<DB>>
where
    DB: DrawingBackend,
    B: CoordMapper,
    for<'b> &'b E: PointCollection<'b, (f64, f64), B>,
    E: Drawable<DB, B>,
    R: Borrow<E>,
    S: IntoIterator<Item = R>,
{
    recording::in_layer(Layer::Backdrop, move || chart.draw_series(regions))
}

/// Draws the legend of a chart in the house style (its series named with `.key(..)`, see
/// [`Key`]) where it covers nothing drawn as data before it: in a free corner or at the middle
/// of a free edge of the plotting area, or else in a band outside it (see `recording`). Drawn
/// outside `recording::draw_panel`, where nothing is recorded, it goes to the upper right.
pub fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>, theme: &Theme) -> Result<(), DrawError<DB>>
where
    DB::ErrorType: 'static,
{
    let area = chart.plotting_area().strip_coord_spec();
    let entries = key::entries();
    let style = LegendStyle::house(theme, theme.px(LEGEND_MARGIN));
    if !recording::recording() {
        return key::draw_box(&area, &entries, &style, Corner::TopRight);
    }
    let plot = plot_area(chart);
    recording::note_plot_area(plot);
    // Drawn at the plotting area's corner, measured, then moved where it goes.
    let Some(size) = recording::measure(style.margin, || key::draw_box(&area, &entries, &style, Corner::TopLeft))?
    else {
        return Ok(());
    };
    let (inset, gap) = (theme.px(6.0) as i32, theme.px(3.0) as i32);
    let Some((x, y)) = recording::place_legend(plot, inset, gap) else {
        return Ok(());
    };
    recording::in_legend_layer((x - size.x0, y - size.y0), || key::draw_box(&area, &entries, &style, Corner::TopLeft))
}

/// The space inside a legend's box around its entries, in CSS pixels.
const LEGEND_MARGIN: f64 = 6.0;

/// A legend swatch: a short horizontal line in `style`.
pub fn swatch(theme: &Theme, style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    let len = theme.px(18.0) as i32;
    move |(x, y)| PathElement::new(vec![(x, y), (x + len, y)], style)
}

/// A legend marker: a dot in `color`.
pub fn dot_swatch(theme: &Theme, color: RGBColor) -> impl Fn((i32, i32)) -> Circle<(i32, i32), u32> {
    let (dx, r) = (theme.px(9.0) as i32, theme.px(4.0));
    move |(x, y)| Circle::new((x + dx, y), r, color.filled())
}

/// Writes `text` at the top-left corner of the plotting area of `area` (a note on the plot).
pub fn note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    text: &str,
    at: (i32, i32),
) -> Result<(), DrawError<DB>> {
    let style = theme.text(11.0).pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new(text.to_string(), at, style))
}

/// The contraction factor 1 − ηa against the curvature a, with the band |1 − ηa| ≤ 1 shaded and
/// the threshold a = 2/η marked; `markers` are the current curvatures (label, a). Shared by the
/// two quadratic figures, where the markers can be dragged along a.
pub fn draw_contraction<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    eta: f64,
    markers: &[(&str, f64)],
    a_max: f64,
) -> DrawResult<DB>
where
    DB::ErrorType: 'static,
{
    clear(area, theme)?;
    let threshold = 2.0 / eta;
    let x_hi = a_max.max(threshold * 1.35).max(markers.iter().map(|m| m.1).fold(0.0, f64::max) * 1.15);
    let y_lo = (1.0 - eta * x_hi).min(-1.6);
    let mut chart = frame(area, theme, "contraction factor 1 \u{2212} \u{3b7}a").axes(0.0..x_hi, y_lo..1.25)?;
    mesh(&mut chart, theme, "curvature a", "1 \u{2212} \u{3b7}a")?;
    shade(
        &mut chart,
        std::iter::once(Rectangle::new([(0.0, -1.0), (threshold.min(x_hi), 1.0)], theme.stable_fill().filled())),
    )?;
    if threshold < x_hi {
        shade(
            &mut chart,
            std::iter::once(Rectangle::new([(threshold, y_lo), (x_hi, 1.25)], theme.unstable_fill().filled())),
        )?;
    }
    let band = theme.line(theme.muted(), 1.0);
    for level in [-1.0, 1.0] {
        line(&mut chart, "|1 \u{2212} \u{3b7}a| = 1", [(0.0, level), (x_hi, level)], band)?;
    }
    let threshold_label = format!("a = 2/\u{3b7} = {}", format::tick(threshold));
    line(&mut chart, &threshold_label, [(threshold, y_lo), (threshold, 1.25)], theme.line(theme.series(1), 1.5))?
        .key(threshold_label, swatch(theme, theme.line(theme.series(1), 2.0)));
    line(
        &mut chart,
        "1 \u{2212} \u{3b7}a",
        [(0.0, 1.0), (x_hi, 1.0 - eta * x_hi)],
        theme.line(theme.foreground(), 1.5),
    )?
    .key("1 \u{2212} \u{3b7}a", swatch(theme, theme.line(theme.foreground(), 2.0)));
    for (i, (label, a)) in markers.iter().enumerate() {
        let color = theme.series(if markers.len() == 1 { 0 } else { i * 2 % 6 });
        let r = theme.px(6.0);
        let at = (*a, 1.0 - eta * a);
        self::markers(&mut chart, label, [at], |p| Circle::new(p, r, color.filled()))?;
        // The name goes above the marker, or below it where above would leave the plot.
        let room = chart.backend_coord(&at).1 - plot_area(&chart).y0;
        let rise = if room > theme.px(24.0) as i32 { -(theme.px(20.0) as i32) } else { theme.px(6.0) as i32 };
        let name = Text::new(label.to_string(), (theme.px(7.0) as i32, rise), theme.text(13.0));
        chart.draw_series(std::iter::once(EmptyElement::at(at) + name))?;
    }
    legend(&mut chart, theme)?;
    Ok(Some(PlotMap::of(&chart)))
}

/// Writes `notes` in small muted type along the bottom of `area`, each wrapped to its width,
/// and returns the part of `area` above them for the chart: notes that explain a plot and never
/// cover its data.
pub fn with_notes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    notes: &[String],
) -> Result<DrawingArea<DB, Shift>, DrawError<DB>> {
    let (w, h) = area.dim_in_pixel();
    let margin = theme.px(10.0);
    let per_line = chars_per_line(theme, w.saturating_sub(2 * margin), 11.0);
    let line_height = theme.px(15.0);
    // Whole notes, in order, as many as fit in a fifth of the panel (a small panel holds
    // fewer): the chart keeps the rest.
    let room = (h / 5).saturating_sub(margin / 2) / line_height.max(1);
    let mut lines: Vec<String> = Vec::new();
    for note in notes {
        let wrapped = wrap(note, per_line);
        if lines.len() + wrapped.len() > room as usize {
            break;
        }
        lines.extend(wrapped);
    }
    if lines.is_empty() {
        return Ok(area.clone());
    }
    let strip = lines.len() as u32 * line_height + margin / 2;
    let (chart, below) = area.split_vertically(h.saturating_sub(strip));
    recording::keep_legend_within(Rect::of_ranges(chart.get_pixel_range()));
    let muted = theme.muted();
    let style = theme.text(11.0).color(&muted).pos(Pos::new(HPos::Left, VPos::Top));
    for (i, line) in lines.iter().enumerate() {
        below.draw(&Text::new(line.clone(), (margin as i32, (i as u32 * line_height) as i32), style.clone()))?;
    }
    Ok(chart)
}
