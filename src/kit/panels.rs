//! A figure's panels named by an enum: one declaration gives the enum the figure matches on
//! when it draws and the [`Panel`](crate::figures::Panel) table the page and the command line
//! list, so that a panel index the figure does not have is refused rather than drawn as some
//! other panel.

/// Declares a figure's panels once: an enum with one variant per panel, in drawing order, its
/// table `PANELS` of keys and descriptions, and `from_index`, which is `None` past the last
/// panel.
///
/// ```
/// sgd_stability::figure_panels! {
///     /// The panels of a two-panel figure.
///     pub enum Demo {
///         Loss = "loss", "The loss against the step",
///         Sharpness = "sharpness", "The sharpness against the step",
///     }
/// }
/// assert_eq!(Demo::PANELS[1].key, "sharpness");
/// assert_eq!(Demo::from_index(0), Some(Demo::Loss));
/// assert_eq!(Demo::from_index(2), None);
/// assert_eq!(Demo::Sharpness.key(), "sharpness");
/// ```
#[macro_export]
macro_rules! figure_panels {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $key:literal, $description:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every panel, in drawing order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The panels' keys and descriptions, in drawing order.
            pub const PANELS: &'static [$crate::figures::Panel] =
                &[$($crate::figures::Panel { key: $key, description: $description }),+];

            /// The panel at `index` in drawing order; None past the last.
            pub fn from_index(index: usize) -> Option<Self> {
                Self::ALL.get(index).copied()
            }

            /// The panel's key, for file names, DOM ids and message panels.
            pub const fn key(self) -> &'static str {
                Self::PANELS[self as usize].key
            }
        }
    };
}
