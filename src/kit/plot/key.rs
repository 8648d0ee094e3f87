//! A chart's legend entries and the legend's box. A series is named with `.key(label, swatch)`
//! (see [`Key`]), and [`super::legend`] draws the entries named since the chart's frame.
//!
//! Plotters has a legend of its own, but it measures each label by adding an element to the
//! page and reading its size: in the browser that lays out the whole page, twice for each label
//! of each legend, which made a running figure's frame many times longer than its drawing. This
//! legend has the same look and measures its labels with the backend (see `recording`), which
//! the page gives a measure off the page. Entries are kept as plain data: the text and what the
//! swatch draws ([`Swatch`]), so that they outlive the chart and its backend's type.

use std::cell::RefCell;
use std::convert::Infallible;

use plotters::chart::SeriesAnno;
use plotters::coord::{CoordTranslate, Shift};
use plotters::element::{CoordMapper, Drawable, IntoDynElement, PointCollection};
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

use super::{DrawError, Theme};

thread_local! {
    /// The legend entries named since the chart being drawn was framed, in order.
    static ENTRIES: RefCell<Vec<(String, Swatch)>> = const { RefCell::new(Vec::new()) };
}

/// Names a drawn series in the chart's legend.
pub trait Key {
    /// Adds the entry `label` with the swatch `swatch` draws beside it, centred on the point it
    /// is given (the left end of the swatch's room, halfway down the label).
    fn key<E, S>(&mut self, label: impl Into<String>, swatch: S) -> &mut Self
    where
        E: IntoDynElement<'static, Capture, BackendCoord>,
        S: Fn(BackendCoord) -> E;
}

impl<DB: DrawingBackend> Key for SeriesAnno<'_, DB> {
    fn key<E, S>(&mut self, label: impl Into<String>, swatch: S) -> &mut Self
    where
        E: IntoDynElement<'static, Capture, BackendCoord>,
        S: Fn(BackendCoord) -> E,
    {
        let entry = (label.into(), Swatch::of(swatch));
        ENTRIES.with(|entries| entries.borrow_mut().push(entry));
        self
    }
}

/// Forgets the entries named so far: a new chart starts its legend afresh.
pub(super) fn clear_entries() {
    ENTRIES.with(|entries| entries.borrow_mut().clear());
}

/// The entries named since the chart was framed.
pub(super) fn entries() -> Vec<(String, Swatch)> {
    ENTRIES.with(|entries| entries.borrow().clone())
}

/// Where a legend's box goes in the plotting area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Corner {
    /// Its top-left corner at the plotting area's (for measuring it, then moving it).
    TopLeft,
    /// Five pixels in from the plotting area's top-right corner.
    TopRight,
}

/// The legend's look, in device pixels.
pub(super) struct LegendStyle {
    pub font: TextStyle<'static>,
    pub background: ShapeStyle,
    pub border: ShapeStyle,
    /// The space inside the box around the entries.
    pub margin: i32,
    /// The width of the room for each swatch, left of its label.
    pub swatch_room: i32,
}

impl LegendStyle {
    pub fn house(theme: &Theme, margin: u32) -> Self {
        LegendStyle {
            font: theme.text(11.0),
            background: ShapeStyle::from(theme.background().mix(0.85)).filled(),
            border: theme.line(theme.grid(), 1.0),
            margin: margin as i32,
            swatch_room: theme.px(26.0) as i32,
        }
    }
}

/// Draws a legend of `entries` in one column on `area` (a plotting area) at `corner`: a box
/// with the labels, one line each, and each swatch left of its label.
pub(super) fn draw_box<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Swatch)],
    style: &LegendStyle,
    corner: Corner,
) -> Result<(), DrawError<DB>> {
    if entries.is_empty() {
        return Ok(());
    }
    let pitch = style.font.font.get_size() * 1.25;
    let tops: Vec<i32> = (0..entries.len()).map(|i| (i as f64 * pitch).round() as i32).collect();
    let mut sizes = Vec::with_capacity(entries.len());
    for (label, _) in entries {
        let (w, h) = area.estimate_text_size(label, &style.font)?;
        sizes.push((w as i32, h as i32));
    }
    let width = sizes.iter().map(|s| s.0).max().unwrap_or(0) + style.swatch_room + 2 * style.margin;
    let height = tops.iter().zip(&sizes).map(|(top, s)| top + s.1).max().unwrap_or(0) + 2 * style.margin;
    let (x, y) = match corner {
        Corner::TopLeft => (0, 0),
        Corner::TopRight => (area.dim_in_pixel().0 as i32 - width - 5, 5),
    };
    let frame = [(x, y), (x + width, y + height)];
    area.draw(&AsPlaced(Rectangle::new(frame, style.background)))?;
    area.draw(&AsPlaced(Rectangle::new(frame, style.border)))?;
    let (text_x, text_y) = (x + style.swatch_room + style.margin, y + style.margin);
    for ((label, _), top) in entries.iter().zip(&tops) {
        area.draw(&AsPlaced(Text::new(label.as_str(), (text_x, text_y + top), style.font.clone())))?;
    }
    for (((_, swatch), top), size) in entries.iter().zip(&tops).zip(&sizes) {
        let line = text_y + top;
        swatch.draw_at(area, (x + style.margin, (line + line + size.1) / 2))?;
    }
    Ok(())
}

/// What a swatch draws, relative to the point it is drawn at: the calls it makes on its
/// backend.
#[derive(Clone, Default)]
pub struct Swatch(Vec<Mark>);

/// One of the calls a swatch makes on its backend, with its style.
#[derive(Clone)]
enum Mark {
    Pixel(BackendCoord, BackendColor),
    Line(BackendCoord, BackendCoord, ShapeStyle),
    Rect(BackendCoord, BackendCoord, ShapeStyle, bool),
    Path(Vec<BackendCoord>, ShapeStyle),
    Circle(BackendCoord, u32, ShapeStyle, bool),
    Polygon(Vec<BackendCoord>, ShapeStyle),
}

impl Swatch {
    /// What `swatch` draws, relative to the point it is drawn at. It is drawn at a point away
    /// from zero, as on a panel: elements that round their corners' coordinates (a triangle's
    /// are a sine's and a cosine's) round them as they do there.
    fn of<E, S>(swatch: S) -> Self
    where
        E: IntoDynElement<'static, Capture, BackendCoord>,
        S: Fn(BackendCoord) -> E,
    {
        const AT: BackendCoord = (1024, 1024);
        let element = swatch(AT).into_dyn();
        let mut capture = Capture::default();
        let points = (&element).point_iter().to_vec();
        // Capturing cannot fail: its error type has no values.
        let _ = element.draw(points.into_iter(), &mut capture, (u32::MAX, u32::MAX));
        Swatch(capture.0.into_iter().map(|mark| mark.moved((-AT.0, -AT.1))).collect())
    }

    /// Draws the swatch on `area` with its origin at `at`.
    fn draw_at<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        at: BackendCoord,
    ) -> Result<(), DrawError<DB>> {
        area.draw(&AsPlaced(Replay { swatch: self, at }))
    }
}

/// An element drawn at its points as they are given. Plotters moves each point of an element
/// into the area it is drawn on: a legend drawn at a plotting area shorter than itself (large
/// type on a small panel) had its last entries piled on the area's bottom edge, one over the
/// other. The legend goes where `recording` places it, and the canvas clips at the panel.
struct AsPlaced<E>(E);

/// The mapping of [`AsPlaced`]: the area's translation, without moving points into it.
struct Unclamped;

impl CoordMapper for Unclamped {
    type Output = BackendCoord;

    fn map<CT: CoordTranslate>(coord: &CT, from: &CT::From, _: &plotters::drawing::Rect) -> BackendCoord {
        coord.translate(from)
    }
}

impl<'a, E> PointCollection<'a, BackendCoord, Unclamped> for &'a AsPlaced<E>
where
    &'a E: PointCollection<'a, BackendCoord>,
{
    type Point = <&'a E as PointCollection<'a, BackendCoord>>::Point;
    type IntoIter = <&'a E as PointCollection<'a, BackendCoord>>::IntoIter;

    fn point_iter(self) -> Self::IntoIter {
        self.0.point_iter()
    }
}

impl<DB: DrawingBackend, E: Drawable<DB>> Drawable<DB, Unclamped> for AsPlaced<E> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        points: I,
        backend: &mut DB,
        parent_dim: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        self.0.draw(points, backend, parent_dim)
    }
}

impl Mark {
    fn moved(self, (dx, dy): BackendCoord) -> Self {
        let by = |(x, y): BackendCoord| (x + dx, y + dy);
        let all = |points: Vec<BackendCoord>| points.into_iter().map(by).collect();
        match self {
            Mark::Pixel(p, color) => Mark::Pixel(by(p), color),
            Mark::Line(a, b, style) => Mark::Line(by(a), by(b), style),
            Mark::Rect(a, b, style, fill) => Mark::Rect(by(a), by(b), style, fill),
            Mark::Path(points, style) => Mark::Path(all(points), style),
            Mark::Circle(center, radius, style, fill) => Mark::Circle(by(center), radius, style, fill),
            Mark::Polygon(points, style) => Mark::Polygon(all(points), style),
        }
    }
}

/// A swatch as an element at `at`: it makes the swatch's calls again, moved there.
struct Replay<'s> {
    swatch: &'s Swatch,
    at: BackendCoord,
}

impl<'a> PointCollection<'a, BackendCoord> for &'a Replay<'_> {
    type Point = &'a BackendCoord;
    type IntoIter = std::iter::Once<&'a BackendCoord>;

    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Replay<'_> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some(at) = points.next() else { return Ok(()) };
        for mark in &self.swatch.0 {
            match mark.clone().moved(at) {
                Mark::Pixel(p, color) => backend.draw_pixel(p, color)?,
                Mark::Line(a, b, style) => backend.draw_line(a, b, &style)?,
                Mark::Rect(a, b, style, fill) => backend.draw_rect(a, b, &style, fill)?,
                Mark::Path(points, style) => backend.draw_path(points, &style)?,
                Mark::Circle(center, radius, style, fill) => backend.draw_circle(center, radius, &style, fill)?,
                Mark::Polygon(points, style) => backend.fill_polygon(points, &style)?,
            }
        }
        Ok(())
    }
}

/// A drawing backend that only notes what is drawn on it, as a swatch's marks.
#[derive(Default)]
pub struct Capture(Vec<Mark>);

/// The colour and width of a backend style, as a shape style.
fn shape<S: BackendStyle>(style: &S) -> ShapeStyle {
    let color = style.color();
    ShapeStyle {
        color: RGBAColor(color.rgb.0, color.rgb.1, color.rgb.2, color.alpha),
        filled: false,
        stroke_width: style.stroke_width(),
    }
}

impl DrawingBackend for Capture {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        (u32::MAX, u32::MAX)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<Infallible>> {
        self.0.push(Mark::Pixel(point, color));
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.0.push(Mark::Line(from, to, shape(style)));
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.0.push(Mark::Rect(upper_left, bottom_right, shape(style), fill));
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.0.push(Mark::Path(path.into_iter().collect(), shape(style)));
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.0.push(Mark::Circle(center, radius, shape(style), fill));
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.0.push(Mark::Polygon(vert.into_iter().collect(), shape(style)));
        Ok(())
    }

    /// Swatches draw no text.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        _: &str,
        _: &S,
        _: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
}

/// Natively only: the bitmap backend is not built for wasm.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use plotters::element::DashedPathElement;

    /// The pixels of a 100 × 80 white bitmap after `draw`.
    fn pixels(draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>)) -> Vec<u8> {
        let mut buffer = vec![0u8; 100 * 80 * 3];
        {
            let area = BitMapBackend::with_buffer(&mut buffer, (100, 80)).into_drawing_area();
            area.fill(&WHITE).unwrap();
            draw(&area);
            area.present().unwrap();
        }
        buffer
    }

    /// A swatch drawn from its captured marks is, pixel for pixel, the element it was made of.
    fn assert_redraws<E, S>(name: &str, swatch: S)
    where
        E: IntoDynElement<'static, Capture, BackendCoord>,
        for<'b> E: IntoDynElement<'static, BitMapBackend<'b>, BackendCoord>,
        S: Fn(BackendCoord) -> E,
    {
        let at = (40, 37);
        let direct = pixels(|area| area.draw(&swatch(at).into_dyn()).unwrap());
        let captured = Swatch::of(&swatch);
        assert!(!captured.0.is_empty(), "{name}: nothing was captured");
        let redrawn = pixels(|area| captured.draw_at(area, at).unwrap());
        assert!(direct.iter().any(|&v| v != 255), "{name}: the swatch drew nothing");
        let differ = direct.iter().zip(&redrawn).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "{name}: {differ} of {} bytes differ", direct.len());
    }

    #[test]
    fn a_captured_swatch_draws_what_its_element_draws() {
        let style = ShapeStyle { color: RED.to_rgba(), filled: false, stroke_width: 3 };
        assert_redraws("line", |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        assert_redraws("dashed", |(x, y)| DashedPathElement::new([(x, y), (x + 30, y)], 5, 3, style));
        assert_redraws("ring", |(x, y)| Circle::new((x + 9, y), 5, style));
        assert_redraws("dot", |(x, y)| Circle::new((x + 9, y), 4, BLUE.filled()));
        assert_redraws("triangle", |(x, y)| TriangleMarker::new((x + 9, y), 6, GREEN.filled()));
        assert_redraws("cross", |(x, y)| Cross::new((x + 9, y), 5, style));
        assert_redraws("rectangle", |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], BLUE.mix(0.4).filled()));
        assert_redraws("pixel", |(x, y)| Pixel::new((x, y), BLACK));
    }
}
