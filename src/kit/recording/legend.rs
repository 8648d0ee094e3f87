//! A legend's layout. Plotters draws a legend as one column of entries in a box; a legend with
//! many entries that goes in a band below the plot would take more of the panel's height than
//! the plot itself, so there its entries are laid out in as many columns as the band's width
//! holds, filled top to bottom, then left to right. The legend is drawn once in one column to be
//! measured ([`Measured`]); when it is drawn for real, the recording backend moves each mark by
//! the shift of the entry it belongs to ([`LegendShape::shift_of`]) and stretches the box.

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
}

/// A measured legend with entries: its shape in one column, from which it is laid out in more.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct LegendShape {
    /// Everything it covers in one column.
    pub extent: Rect,
    /// Its box in one column, holding its text.
    frame: Rect,
    /// The top of each entry's text, in one column.
    tops: Vec<i32>,
    /// The space inside the box around the entries, which also parts two columns.
    margin: i32,
}

impl LegendShape {
    /// The shape of a legend measured with `margin` around its entries; None when it has no
    /// entries.
    pub fn of(measured: Measured, margin: i32) -> Option<LegendShape> {
        let (Some(extent), Some(frame), false) = (measured.extent, measured.frame, measured.tops.is_empty()) else {
            return None;
        };
        Some(LegendShape { extent: extent.union(&frame), frame, tops: measured.tops, margin })
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
        (frame == self.frame).then(|| {
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
        LegendShape::of(Measured { extent: Some(frame), frame: Some(frame), tops }, 6).unwrap()
    }

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
        assert_eq!(legend.frame_in(2, legend.frame), Some(Rect { x0: 10, y0: 10, x1: 204, y1: 82 }));
        assert_eq!(legend.frame_in(2, Rect { x0: 16, y0: 20, x1: 30, y1: 30 }), None);
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
