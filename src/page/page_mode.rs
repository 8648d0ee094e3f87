//! How the page is to be read, from the query of its URL (the figures' state stays in the
//! fragment, see [`super::url_state`]):
//!
//! - no query: the whole page;
//! - `?embed=<figure id>`: that figure alone, compact, for an iframe on a course page;
//! - `?walk=<k>`: the walkthrough at step k (counting from 1), one claim of the lecture at a
//!   time with its live figure ([`super::walkthrough`]); `?walk` alone opens step 1;
//! - `?walk=<k>&present`: the same in presentation layout, for teaching; `?present` alone
//!   opens step 1;
//! - `?handout`: the walkthrough laid out for paper, every step with its figure drawn in the
//!   step's state; `?handout=<k>` step k alone.
//!
//! Names the page does not know (say, a tracking parameter a link picked up) are ignored.
//! `embed` wins over `handout`, which wins over `walk`.

use std::fmt;

use crate::figures::ALL_IDS;

/// A reading of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageMode {
    /// The whole page.
    Page,
    /// One figure alone, by its id.
    Embed(&'static str),
    /// The walkthrough at step `index` (counting from 0), in presentation layout when `present`
    /// is set.
    Walk { index: usize, present: bool },
    /// The handout to print: step `index` alone (counting from 0), or every step.
    Handout(Option<usize>),
}

/// A query the page cannot follow, with what to tell the reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModeError {
    /// `embed` names no figure of the page: there is nothing to show but the message.
    UnknownFigure(String),
    /// `walk` names none of the walkthrough's `steps`: it opens at its first step and says why.
    UnknownStep { given: String, steps: usize },
    /// `handout` names none of the walkthrough's `steps`: nothing is drawn but the message.
    UnknownHandoutStep { given: String, steps: usize },
}

/// Text from a link is quoted in messages up to this many characters.
const QUOTE_LEN: usize = 40;

impl fmt::Display for ModeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownFigure(given) if given.is_empty() => {
                write!(
                    f,
                    "The link asks for one figure alone but does not say which. The figures are: {}.",
                    ALL_IDS.join(", ")
                )
            }
            Self::UnknownFigure(given) => write!(
                f,
                "The page has no figure \u{201c}{}\u{201d} to embed. The figures are: {}.",
                quote(given),
                ALL_IDS.join(", ")
            ),
            Self::UnknownStep { given, steps } => write!(
                f,
                "The walkthrough has steps 1 to {}, and the link asks for step \u{201c}{}\u{201d}: here is step 1.",
                steps,
                quote(given)
            ),
            Self::UnknownHandoutStep { given, steps } => write!(
                f,
                "The walkthrough has steps 1 to {}: there is no step \u{201c}{}\u{201d} to make a handout of.",
                steps,
                quote(given)
            ),
        }
    }
}

/// `text` cut to [`QUOTE_LEN`] characters, so that a long link does not drown its message.
fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LEN) {
        Some((end, _)) => format!("{}\u{2026}", &text[..end]),
        None => text.to_string(),
    }
}

impl PageMode {
    /// Reads the query of the page's URL (with or without its leading '?'), for a walkthrough
    /// of `steps` steps.
    pub fn parse(query: &str, steps: usize) -> Result<Self, ModeError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut embed = None;
        let mut walk = None;
        let mut handout = None;
        let mut present = false;
        for entry in query.split('&') {
            let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
            match name {
                "embed" => embed = Some(value),
                "walk" => walk = Some(value),
                "handout" => handout = Some(value),
                "present" => present = true,
                _ => {}
            }
        }
        if let Some(given) = embed {
            return match ALL_IDS.iter().find(|&&id| id == given) {
                Some(&id) => Ok(Self::Embed(id)),
                None => Err(ModeError::UnknownFigure(given.to_string())),
            };
        }
        match (handout, walk) {
            (Some(""), _) => Ok(Self::Handout(None)),
            (Some(given), _) => handout_step(given, steps).map(|index| Self::Handout(Some(index))),
            (None, None) if !present => Ok(Self::Page),
            (None, None | Some("")) => Ok(Self::Walk { index: 0, present }),
            (None, Some(given)) => step_index(given, steps)
                .map(|index| Self::Walk { index, present })
                .ok_or_else(|| ModeError::UnknownStep { given: given.to_string(), steps }),
        }
    }

    /// The query that opens this reading ("" for the whole page).
    pub fn query(&self) -> String {
        match self {
            Self::Page => String::new(),
            Self::Embed(id) => format!("?embed={id}"),
            Self::Walk { index, present: false } => format!("?walk={}", index + 1),
            Self::Walk { index, present: true } => format!("?walk={}&present", index + 1),
            Self::Handout(None) => "?handout".to_string(),
            Self::Handout(Some(index)) => format!("?handout={}", index + 1),
        }
    }
}

/// The index of step `given` (counting from 1) of a walkthrough of `steps` steps, for a
/// handout of that step alone.
pub fn handout_step(given: &str, steps: usize) -> Result<usize, ModeError> {
    step_index(given, steps).ok_or_else(|| ModeError::UnknownHandoutStep { given: given.to_string(), steps })
}

/// The index of step `given` (counting from 1) among `steps`; None when it is not one of them.
fn step_index(given: &str, steps: usize) -> Option<usize> {
    given.parse::<usize>().ok().filter(|number| (1..=steps).contains(number)).map(|number| number - 1)
}
