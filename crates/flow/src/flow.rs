//! The dense displacement field.

use crate::Error;

/// A dense displacement field: the pixel (x, y) of the frame it was computed from moves to
/// (x + u, y + v) in the other frame.
///
/// `u` and `v` are stored row-major, `width × height` values each, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    width: u32,
    height: u32,
    u: Vec<f32>,
    v: Vec<f32>,
}

impl Flow {
    /// A flow from its components, row-major; fails unless both have `width × height` values.
    pub fn new(width: u32, height: u32, u: Vec<f32>, v: Vec<f32>) -> Result<Self, Error> {
        let expected = width as usize * height as usize;
        for (component, len) in [("u", u.len()), ("v", v.len())] {
            if len != expected {
                return Err(Error::BadLength {
                    component,
                    len,
                    width,
                    height,
                    expected,
                });
            }
        }
        Ok(Self {
            width,
            height,
            u,
            v,
        })
    }

    /// The flow that moves nothing.
    pub fn zeros(width: u32, height: u32) -> Self {
        let n = width as usize * height as usize;
        Self {
            width,
            height,
            u: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    /// Its width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Its height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// `[u, v]` at pixel (x, y).
    ///
    /// # Panics
    ///
    /// If (x, y) is outside the flow.
    pub fn at(&self, x: u32, y: u32) -> [f32; 2] {
        assert!(
            x < self.width && y < self.height,
            "({x}, {y}) is outside the {}×{} flow",
            self.width,
            self.height
        );
        let i = y as usize * self.width as usize + x as usize;
        [self.u[i], self.v[i]]
    }

    /// The horizontal displacements, row-major.
    pub fn u(&self) -> &[f32] {
        &self.u
    }

    /// The vertical displacements, row-major.
    pub fn v(&self) -> &[f32] {
        &self.v
    }

    /// The components `(u, v)`, row-major.
    pub fn into_parts(self) -> (Vec<f32>, Vec<f32>) {
        (self.u, self.v)
    }
}
