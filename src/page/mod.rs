//! The page around the figures, independent of the browser: the state a URL carries, the page's
//! modes, the walkthrough's steps, the run files a reader saves and loads, and how a figure's
//! work plays (play, pause, step, a link's replay).

pub mod handout;
pub mod page_mode;
pub mod playback;
pub mod run_file;
pub mod url_state;
pub mod walkthrough;
