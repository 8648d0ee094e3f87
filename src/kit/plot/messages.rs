//! Panels and verdicts that say, in words, why there is nothing truthful to draw: settings that
//! contradict each other, a state that could not be computed, a panel the figure does not have.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{clear, DrawError, DrawResult, Theme};

/// The state a panel is drawn from, or, when the figure has none (its parameters contradict
/// each other, its problem could not be solved), the panel drawn as the message instead: the
/// start of every such figure's `draw`. `Ok(None)` means the message is drawn.
pub fn state_or_message<'s, S, DB: DrawingBackend>(
    state: &'s Result<S, String>,
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    caption: &str,
) -> Result<Option<&'s S>, DrawError<DB>> {
    match state {
        Ok(state) => Ok(Some(state)),
        Err(message) => message_panel(area, theme, caption, message).map(|_| None),
    }
}

/// The panel at an index the figure does not have, drawn as a message that says so (the page
/// and the command line only ask for the panels a figure lists).
pub fn no_such_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    figure: &str,
    index: usize,
) -> DrawResult<DB> {
    message_panel(area, theme, "no such panel", &format!("the figure \u{201c}{figure}\u{201d} has no panel {index}"))
        .map(|_| None)
}

/// A panel that has nothing truthful to draw (its parameters contradict each other): the
/// caption, and the reason in words where the plot would be.
pub fn message_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    theme: &Theme,
    caption: &str,
    message: &str,
) -> Result<(), DrawError<DB>> {
    clear(area, theme)?;
    let (w, h) = area.dim_in_pixel();
    let title = theme.text(14.0).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(caption.to_string(), (w as i32 / 2, theme.px(10.0) as i32), title))?;
    area.draw(&Rectangle::new(
        [
            (theme.px(12.0) as i32, theme.px(36.0) as i32),
            (w as i32 - theme.px(12.0) as i32, h as i32 - theme.px(12.0) as i32),
        ],
        theme.line(theme.grid(), 1.0),
    ))?;
    let lines = wrap(message, chars_per_line(theme, w.saturating_sub(2 * theme.px(24.0)), 12.0));
    let muted = theme.muted();
    let style = theme.text(12.0).color(&muted).pos(Pos::new(HPos::Center, VPos::Center));
    let line_height = theme.px(18.0) as i32;
    let top = h as i32 / 2 - line_height * (lines.len() as i32 - 1) / 2;
    for (i, line) in lines.iter().enumerate() {
        area.draw(&Text::new(line.clone(), (w as i32 / 2, top + i as i32 * line_height), style.clone()))?;
    }
    Ok(())
}

/// How many characters of `css_px` text fit in `width` pixels (about 0.55 em per character).
pub fn chars_per_line(theme: &Theme, width: u32, css_px: f64) -> usize {
    (width as f64 / (css_px * 0.55 * theme.scale)).max(12.0) as usize
}

/// `text` in lines of at most `per_line` characters, broken at spaces.
pub fn wrap(text: &str, per_line: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= per_line => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// The verdict of a figure whose parameters contradict each other.
pub fn refusal(message: &str) -> String {
    format!("These settings contradict each other: {message}.")
}
