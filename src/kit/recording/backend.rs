//! The backend that records: it passes every call on to the real backend and notes each mark
//! in the record of the panel being drawn; it also keeps the sizes of texts already measured.

use std::cell::RefCell;
use std::collections::HashMap;

use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

use super::{with_record, Layer, Mark, Rect, Shape};

/// A text in a font at a size: what a text's measured size depends on.
#[derive(Clone, PartialEq, Eq, Hash)]
struct TextKey {
    text: String,
    font: String,
    size: u64,
}

/// How many measured texts are kept before the store starts afresh (ticks, labels and legends
/// of every panel come to a few hundred).
const MEASURED_TEXTS_KEPT: usize = 4096;

thread_local! {
    /// Texts already measured: panels draw the same ticks, labels and legends frame after
    /// frame, and each is measured once.
    static MEASURED_TEXTS: RefCell<HashMap<TextKey, (u32, u32)>> = RefCell::new(HashMap::new());
}

/// A drawing backend that passes everything on to `DB` and records each mark for the panel
/// being drawn (see the module's documentation). Outside [`draw_panel`](super::draw_panel) it only passes on.
pub struct RecordingBackend<DB> {
    inner: DB,
    /// How texts are measured, when not by `inner`.
    measure: Option<TextMeasure>,
}

/// Measures `text` in a CSS font (`"<style> <size>px <family>"`, as plotters' canvas backend
/// sets it): its width and height in pixels.
pub type TextMeasure = fn(text: &str, font: &str) -> (u32, u32);

impl<DB: DrawingBackend> RecordingBackend<DB> {
    pub fn new(inner: DB) -> Self {
        Self { inner, measure: None }
    }

    /// A backend whose texts are measured by `measure` rather than by `inner`: in the browser,
    /// plotters measures a text by adding an element to the page and reading its size, which
    /// makes the browser lay out the whole page each time.
    pub fn with_text_measure(inner: DB, measure: TextMeasure) -> Self {
        Self { inner, measure: Some(measure) }
    }

    /// Where a mark of the current layer that covers `bounds` goes: nowhere while a legend is
    /// measured, else moved by the layer's shift. A legend is drawn in one column at the plotting
    /// area's corner, where plotters keeps it whole (it clamps every element to the plotting
    /// area), and each entry is moved here to its place (see `legend`).
    fn route(&self, bounds: Rect) -> Option<BackendCoord> {
        with_record(|r| match r.layer {
            Layer::Measure => None,
            Layer::Legend => {
                let entry = match &r.legend_shape {
                    Some((shape, columns)) if shape.frame_in(*columns, bounds).is_none() => {
                        shape.shift_of(*columns, (bounds.y0 + bounds.y1) / 2)
                    }
                    _ => (0, 0),
                };
                Some(moved(r.legend_shift, entry))
            }
            _ => Some((0, 0)),
        })
        .unwrap_or(Some((0, 0)))
    }

    /// The corners a rectangle drawn from `a` to `b` takes: a legend's box grows to hold its
    /// entries' columns; any other keeps its own.
    fn rect_corners(&self, a: BackendCoord, b: BackendCoord) -> (BackendCoord, BackendCoord) {
        let rect = Rect::spanning(a, b);
        let frame = with_record(|r| match (r.layer, &r.legend_shape) {
            (Layer::Legend, Some((shape, columns))) => shape.frame_in(*columns, rect),
            _ => None,
        })
        .flatten();
        frame.map_or((a, b), |f| ((f.x0, f.y0), (f.x1, f.y1)))
    }

    /// Records `shape` (already moved) in the current layer.
    fn note(&self, shape: Shape) {
        with_record(|r| {
            if r.layer == Layer::Measure {
                // The legend's extent is its box and swatches, its box the first filled
                // rectangle, which plotters sizes to its text as the real backend measures it
                // (the estimated text boxes are rougher); each text is an entry's line.
                let measured = &mut r.measured;
                match shape {
                    Shape::Text(text) => measured.tops.push(text.y0),
                    other => {
                        let bounds = other.bounds();
                        measured.extent = Some(measured.extent.map_or(bounds, |e| e.union(&bounds)));
                        if let (Shape::Area(area), None) = (other, measured.frame) {
                            measured.frame = Some(area);
                        }
                    }
                }
            } else {
                r.marks.push(Mark { layer: r.layer, shape });
            }
        });
    }
}

/// The smallest rectangle holding `first` and `points`.
fn spanning_all(first: BackendCoord, points: &[BackendCoord]) -> Rect {
    points.iter().fold(Rect::spanning(first, first), |b, &p| b.union(&Rect::spanning(p, p)))
}

/// `p` moved by `by`.
fn moved(p: BackendCoord, by: BackendCoord) -> BackendCoord {
    (p.0 + by.0, p.1 + by.1)
}

/// Half the width of a stroke of `style`, rounded up.
fn half_width<S: BackendStyle>(style: &S) -> i32 {
    (style.stroke_width() as i32 + 1) / 2
}

/// The box of `text` drawn at `pos` in `style`, `width` pixels wide.
fn text_box<S: BackendTextStyle>(width: i32, style: &S, pos: BackendCoord) -> Rect {
    let height = style.size().ceil() as i32;
    let anchor = style.anchor();
    let dx = match anchor.h_pos {
        HPos::Left => 0,
        HPos::Center => -width / 2,
        HPos::Right => -width,
    };
    let dy = match anchor.v_pos {
        VPos::Top => 0,
        VPos::Center => -height / 2,
        VPos::Bottom => -height,
    };
    let transform = style.transform();
    let (a, b) = (transform.transform(dx, dy), transform.transform(dx + width, dy + height));
    Rect::spanning((pos.0 + a.0, pos.1 + a.1), (pos.0 + b.0, pos.1 + b.1))
}

/// The width of `text` in `style` as the backend measures it (once per text, see
/// `MEASURED_TEXTS`), or estimated from its letters where it cannot.
fn text_width<DB: DrawingBackend, S: BackendTextStyle>(backend: &RecordingBackend<DB>, text: &str, style: &S) -> i32 {
    match backend.estimate_text_size(text, style) {
        Ok((width, _)) => width as i32,
        Err(_) => estimated_width(text, style),
    }
}

/// The width of `text` in `style` from its size and letters, rounded up.
fn estimated_width<S: BackendTextStyle>(text: &str, style: &S) -> i32 {
    (style.size() * text.chars().map(advance).sum::<f64>()).ceil() as i32
}

/// About the advance of `c`, in ems, in DejaVu Sans (the command line's font, wider than the
/// browsers' sans-serif fonts), rounded up: a text's estimated box holds the text.
fn advance(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '!' | '|' => 0.32,
        ' ' | '(' | ')' | '[' | ']' | 'f' | 't' | 'r' | '-' | '/' => 0.42,
        'm' | 'w' | 'M' | 'W' => 0.98,
        'A'..='Z' => 0.78,
        _ => 0.66,
    }
}

impl<DB: DrawingBackend> DrawingBackend for RecordingBackend<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let route = self.route(Rect::spanning(point, point));
        let point = moved(point, route.unwrap_or_default());
        self.note(Shape::Area(Rect::spanning(point, point)));
        match route {
            Some(_) => self.inner.draw_pixel(point, color),
            None => Ok(()),
        }
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let route = self.route(Rect::spanning(from, to));
        let by = route.unwrap_or_default();
        let (from, to) = (moved(from, by), moved(to, by));
        self.note(Shape::Segment { from, to, half_width: half_width(style) });
        match route {
            Some(_) => self.inner.draw_line(from, to, style),
            None => Ok(()),
        }
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let route = self.route(Rect::spanning(upper_left, bottom_right));
        let by = route.unwrap_or_default();
        let (upper_left, bottom_right) = self.rect_corners(upper_left, bottom_right);
        let (a, b) = (moved(upper_left, by), moved(bottom_right, by));
        if fill {
            self.note(Shape::Area(Rect::spanning(a, b)));
        } else {
            let half_width = half_width(style);
            for edge in [a, (b.0, a.1), b, (a.0, b.1), a].windows(2) {
                self.note(Shape::Segment { from: edge[0], to: edge[1], half_width });
            }
        }
        match route {
            Some(_) => self.inner.draw_rect(a, b, style, fill),
            None => Ok(()),
        }
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let mut path: Vec<BackendCoord> = path.into_iter().collect();
        let route = path.first().and_then(|&first| self.route(spanning_all(first, &path)));
        let by = route.unwrap_or_default();
        path.iter_mut().for_each(|p| *p = moved(*p, by));
        let half_width = half_width(style);
        for pair in path.windows(2) {
            self.note(Shape::Segment { from: pair[0], to: pair[1], half_width });
        }
        if let [only] = path[..] {
            self.note(Shape::Disc { center: only, radius: half_width });
        }
        match route {
            Some(_) => self.inner.draw_path(path, style),
            None => Ok(()),
        }
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let route = self.route(Rect::spanning(center, center));
        let center = moved(center, route.unwrap_or_default());
        let reach = radius as i32 + if fill { 0 } else { half_width(style) };
        self.note(Shape::Disc { center, radius: reach });
        match route {
            Some(_) => self.inner.draw_circle(center, radius, style, fill),
            None => Ok(()),
        }
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let mut vertices: Vec<BackendCoord> = vert.into_iter().collect();
        let Some(&first) = vertices.first() else { return Ok(()) };
        let bounds = spanning_all(first, &vertices);
        let route = self.route(bounds);
        let by = route.unwrap_or_default();
        vertices.iter_mut().for_each(|p| *p = moved(*p, by));
        self.note(Shape::Area(bounds.moved(by)));
        match route {
            Some(_) => self.inner.fill_polygon(vertices, style),
            None => Ok(()),
        }
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let unmoved = text_box(text_width(self, text, style), style, pos);
        let route = self.route(unmoved);
        let by = route.unwrap_or_default();
        let pos = moved(pos, by);
        self.note(Shape::Text(unmoved.moved(by)));
        with_record(|r| r.smallest_text.note(r.layer, style.size()));
        match route {
            Some(_) => self.inner.draw_text(text, style, pos),
            None => Ok(()),
        }
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let key = TextKey {
            text: text.to_string(),
            font: format!("{} {}", style.family().as_str(), style.style().as_str()),
            size: style.size().to_bits(),
        };
        if let Some(size) = MEASURED_TEXTS.with(|m| m.borrow().get(&key).copied()) {
            return Ok(size);
        }
        let size = match self.measure {
            Some(measure) => {
                let font = format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str());
                measure(text, &font)
            }
            None => self.inner.estimate_text_size(text, style)?,
        };
        MEASURED_TEXTS.with(|m| {
            let mut measured = m.borrow_mut();
            if measured.len() >= MEASURED_TEXTS_KEPT {
                measured.clear();
            }
            measured.insert(key, size);
        });
        Ok(size)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let route = self.route(Rect::spanning(pos, (pos.0 + iw as i32 - 1, pos.1 + ih as i32 - 1)));
        let pos = moved(pos, route.unwrap_or_default());
        let far = (pos.0 + iw as i32 - 1, pos.1 + ih as i32 - 1);
        self.note(Shape::Area(Rect::spanning(pos, far)));
        match route {
            Some(_) => self.inner.blit_bitmap(pos, (iw, ih), src),
            None => Ok(()),
        }
    }
}
