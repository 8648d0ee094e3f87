//! The page around the figures, independent of the browser: the state a URL carries, the page's
//! modes, the walkthrough's steps and the run files a reader saves and loads.

pub mod page_mode;
pub mod run_file;
pub mod url_state;
pub mod walkthrough;
