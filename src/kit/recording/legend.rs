//! A legend's layout. Plotters draws a legend as one column of entries in a box; a legend with
//! many entries that goes in a band below the plot would take more of the panel's height than
//! the plot itself, so there its entries are laid out in as many columns as the band's width
//! holds, filled top to bottom, then left to right. The legend is drawn once in one column to be
//! measured ([`Measured`]); when it is drawn for real, the recording backend moves each mark by
//! the shift of the entry it belongs to ([`LegendShape::shift_of`]) and stretches the box.
//! Plotters clamps the corners of what it draws to the plotting area, not its text: the box of
//! a legend larger than the plot (large type on a small panel) is cut there, and is given back
//! the size its text needs.

use plotters_backend::BackendCoord;

use super::Rect;

/// What drawing a legend in one column, to measure it, showed.
#[derive(Clone, Debug, Default)]
pub(super) struct Measured {
    /// Everything it covered, its text aside (the box holds the text).
    pub extent: Option<Rect>,
    /// Its box: the first filled rectangle it drew.
    pub frame: Option<Rect>,
    /// The top of each entry's text, in order.
    pub tops: Vec<i32>,
    /// What its text covered.
    pub text: Option<Rect>,
}

/// A measured legend with entries: its shape in one column, from which it is laid out in more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LegendShape {
    /// Everything it covers in one column.
    pub extent: Rect,
    /// Its box in one column, holding its text.
    frame: Rect,
    /// Its box as plotters drew it, cut to the plotting area.
    drawn: Rect,
    /// The top of each entry's text, in one column.
    tops: Vec<i32>,
    /// The space inside the box around the entries, which also parts two columns.
    margin: i32,
}

impl LegendShape {
    /// The shape of a legend measured with `margin` around its entries in the plotting area
    /// `plot`; None when it has no entries.
    pub fn of(measured: Measured, margin: i32, plot: Rect) -> Option<LegendShape> {
        let (Some(extent), Some(drawn), false) = (measured.extent, measured.frame, measured.tops.is_empty()) else {
            return None;
        };
        let mut frame = drawn;
        if let Some(text) = measured.text {
            if drawn.x1 >= plot.x1 {
                frame.x1 = frame.x1.max(text.x1 + margin);
            }
            if drawn.y1 >= plot.y1 {
                frame.y1 = frame.y1.max(text.y1 + margin);
            }
        }
        Some(LegendShape { extent: extent.union(&frame), frame, drawn, tops: measured.tops, margin })
    }

    fn entries(&self) -> i32 {
        self.tops.len() as i32
    }

    /// The height of one entry's line.
    fn pitch(&self) -> i32 {
        match self.tops[..] {
            [first, second, ..] => second - first,
            _ => 0,
        }
    }

    /// How many entries a column holds when the legend has `columns`.
    fn rows(&self, columns: i32) -> i32 {
        (self.entries() + columns - 1) / columns
    }

    /// How far one column is from the next: an entry's swatch and longest text, and a margin.
    fn column_width(&self) -> i32 {
        self.frame.width() - 1 - self.margin
    }

    /// The size of everything the legend covers in `columns`.
    pub fn size(&self, columns: i32) -> (i32, i32) {
        let fewer_rows = self.entries() - self.rows(columns);
        (self.extent.width() + (columns - 1) * self.column_width(), self.extent.height() - fewer_rows * self.pitch())
    }

    /// The most columns (one at least, one entry each at most) whose legend is at most `width`
    /// wide.
    pub fn columns_within(&self, width: i32) -> i32 {
        (1..=self.entries()).take_while(|&k| k == 1 || self.size(k).0 <= width).last().unwrap_or(1)
    }

    /// The box of the legend in `columns`, for the box `frame` drawn in one column; None for
    /// any other rectangle (a swatch).
    pub fn frame_in(&self, columns: i32, frame: Rect) -> Option<Rect> {
        (frame == self.drawn).then(|| {
            let (w, h) = (self.size(columns).0 - self.size(1).0, self.size(columns).1 - self.size(1).1);
            Rect { x1: self.frame.x1 + w, y1: self.frame.y1 + h, ..self.frame }
        })
    }

    /// How far a mark of the entry whose line holds the height `y` (in one column) moves when
    /// the legend has `columns`.
    pub fn shift_of(&self, columns: i32, y: i32) -> BackendCoord {
        let entry = self.tops.iter().take_while(|&&top| top <= y).count().max(1) as i32 - 1;
        let rows = self.rows(columns);
        let (column, row) = (entry / rows, entry % rows);
        (column * self.column_width(), (row - entry) * self.pitch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five entries 20 pixels apart in a box 100 wide, with a margin of 6.
    fn five() -> LegendShape {
        let frame = Rect { x0: 10, y0: 10, x1: 110, y1: 122 };
        let tops = vec![16, 36, 56, 76, 96];
        let text = Some(Rect { x0: 40, y0: 16, x1: 104, y1: 116 });
        LegendShape::of(Measured { extent: Some(frame), frame: Some(frame), tops, text }, 6, PLOT).unwrap()
    }

    /// A plotting area larger than the legend.
    const PLOT: Rect = Rect { x0: 10, y0: 10, x1: 400, y1: 300 };

    #[test]
    fn columns_fill_top_to_bottom_then_left_to_right() {
        let legend = five();
        assert_eq!(legend.size(1), (101, 113));
        // Two columns of three and two rows: 94 more pixels wide, two rows fewer.
        assert_eq!(legend.size(2), (195, 73));
        assert_eq!(legend.shift_of(2, 16), (0, 0));
        assert_eq!(legend.shift_of(2, 60), (0, 0), "the third entry stays in the first column");
        assert_eq!(legend.shift_of(2, 80), (94, -60), "the fourth goes to the top of the second");
        assert_eq!(legend.shift_of(2, 110), (94, -60));
        assert_eq!(legend.shift_of(2, 5), (0, 0), "above the first line: the first entry");
        assert_eq!(legend.frame_in(2, legend.drawn), Some(Rect { x0: 10, y0: 10, x1: 204, y1: 82 }));
        assert_eq!(legend.frame_in(2, Rect { x0: 16, y0: 20, x1: 30, y1: 30 }), None);
    }

    #[test]
    fn a_box_cut_to_a_smaller_plot_holds_its_text_again() {
        // Drawn in a plot 60 × 50 pixels: the box ends at the plot's edges, the text goes on.
        let plot = Rect { x0: 10, y0: 10, x1: 69, y1: 59 };
        let drawn = Rect { x0: 10, y0: 10, x1: 70, y1: 60 };
        let text = Some(Rect { x0: 40, y0: 16, x1: 104, y1: 116 });
        let measured = Measured { extent: Some(drawn), frame: Some(drawn), tops: vec![16, 36, 56, 76, 96], text };
        let legend = LegendShape::of(measured, 6, plot).unwrap();
        assert_eq!(legend.size(1), (101, 113), "the size of the same legend drawn whole");
        assert_eq!(legend.frame_in(1, drawn), Some(Rect { x0: 10, y0: 10, x1: 110, y1: 122 }));
        assert_eq!(legend.frame_in(1, Rect { x0: 10, y0: 10, x1: 110, y1: 122 }), None, "only the box drawn");
    }

    #[test]
    fn as_many_columns_as_the_width_holds() {
        let legend = five();
        assert_eq!(legend.columns_within(50), 1, "one column even when it does not fit");
        assert_eq!(legend.columns_within(194), 1);
        assert_eq!(legend.columns_within(195), 2);
        assert_eq!(legend.columns_within(1000), 5, "never more columns than entries");
        assert_eq!(legend.size(5).1, 113 - 4 * 20);
    }
}
