//! What can go wrong when computing, applying or checking a flow.

/// An error of the flow functions: their inputs disagree in size or shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two inputs that must have the same size do not.
    #[error("{what}: {left_width}×{left_height} and {right_width}×{right_height} differ in size")]
    SizeMismatch {
        /// Which inputs.
        what: &'static str,
        /// The first input's width.
        left_width: u32,
        /// The first input's height.
        left_height: u32,
        /// The second input's width.
        right_width: u32,
        /// The second input's height.
        right_height: u32,
    },
    /// An input has no pixel.
    #[error("{what} is {width}×{height}: it needs at least one pixel")]
    TooSmall {
        /// Which input.
        what: &'static str,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// A flow component's length is not `width × height`.
    #[error(
        "flow component {component} has {len} values, a {width}×{height} flow needs {expected}"
    )]
    BadLength {
        /// `"u"` or `"v"`.
        component: &'static str,
        /// Its length.
        len: usize,
        /// The width.
        width: u32,
        /// The height.
        height: u32,
        /// `width × height`.
        expected: usize,
    },
}
