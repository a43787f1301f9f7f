//! Cutting an image into tiles that VGG-16 evaluates one at a time with the whole image's
//! result: each tile owns a rectangle of the image and reads a halo around it, wide enough
//! for the receptive field of the deepest layer read.

use nst_losses::Window;
use nst_vgg16::Layer;

/// How an image is cut into tiles (see [`StyleTransfer::with_tile`](crate::StyleTransfer::with_tile)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tiling {
    /// The side a tile owns, a multiple of `align`.
    side: usize,
    /// The pixels read around the owned rectangle, a multiple of `align`.
    halo: usize,
    /// The deepest layer's stride: tiles start on multiples of it, so that every pooling
    /// window of a tile is one of the whole image's.
    align: usize,
}

/// A rectangle of the image that one pass owns, and the larger one it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tile {
    /// The pixels the pass reads: the owned ones and a halo, clipped to the image.
    pub input: Window,
    /// The pixels whose activations this tile contributes.
    pub owned: Window,
}

impl Tiling {
    /// Tiles that own `side`×`side` pixels (rounded down to a multiple of the deepest of
    /// `layers`' stride, at least one), for a pass that reads `layers`.
    pub fn new(side: u32, layers: &[Layer]) -> Self {
        let deepest = layers.iter().max().copied();
        let align = deepest.map_or(1, Layer::stride);
        let radius = deepest.map_or(0, Layer::receptive_radius);
        Self {
            side: (side as usize / align).max(1) * align,
            halo: radius.div_ceil(align) * align,
            align,
        }
    }

    /// The tiles of a `height`×`width` image, row by row: a single tile when one covers it.
    /// A remainder narrower than the alignment joins the tile before it, so every tile owns at
    /// least one activation at every layer.
    pub fn tiles(&self, height: usize, width: usize) -> Vec<Tile> {
        let rows = self.spans(height);
        let cols = self.spans(width);
        let mut tiles = Vec::with_capacity(rows.len() * cols.len());
        for (rows, rows_read) in &rows {
            for (cols, cols_read) in &cols {
                tiles.push(Tile {
                    input: Window {
                        rows: rows_read.clone(),
                        cols: cols_read.clone(),
                    },
                    owned: Window {
                        rows: rows.clone(),
                        cols: cols.clone(),
                    },
                });
            }
        }
        tiles
    }

    /// The largest input a tile of a `height`×`width` image reads, as (height, width).
    pub fn largest_input(&self, height: usize, width: usize) -> (usize, usize) {
        // Beyond four tiles, the largest is an inner tile's (`side` and two halos) or the
        // last's (less than `side` and an `align` with one halo) whatever the length: the
        // spans of a shorter side give it without listing millions of tiles.
        let bound = 4 * (self.side + 2 * self.halo + self.align);
        let longest = |length: usize| {
            let length = length.min(bound);
            let spans = self.spans(length);
            spans.iter().map(|(_, read)| read.len()).max().unwrap_or(0)
        };
        (longest(height), longest(width))
    }

    /// The owned and read ranges along one side of `length` pixels.
    fn spans(&self, length: usize) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
        let mut starts: Vec<usize> = (0..length)
            .step_by(self.side)
            .filter(|&start| start == 0 || length - start >= self.align)
            .collect();
        starts.push(length);
        starts
            .windows(2)
            .map(|pair| {
                let read = pair[0].saturating_sub(self.halo)..(pair[1] + self.halo).min(length);
                (pair[0]..pair[1], read)
            })
            .collect()
    }
}

impl Tile {
    /// The tile that owns and reads all of a `height`×`width` image.
    pub fn whole(height: usize, width: usize) -> Self {
        let all = Window {
            rows: 0..height,
            cols: 0..width,
        };
        Self {
            input: all.clone(),
            owned: all,
        }
    }

    /// The part of `layer`'s activation of the whole image that this tile owns.
    pub fn owned_at(&self, layer: Layer) -> Window {
        let s = layer.stride();
        Window {
            rows: self.owned.rows.start / s..self.owned.rows.end / s,
            cols: self.owned.cols.start / s..self.owned.cols.end / s,
        }
    }

    /// The same part within `layer`'s activation of this tile's input.
    pub fn local_at(&self, layer: Layer) -> Window {
        let s = layer.stride();
        let owned = self.owned_at(layer);
        let (top, left) = (self.input.rows.start / s, self.input.cols.start / s);
        Window {
            rows: owned.rows.start - top..owned.rows.end - top,
            cols: owned.cols.start - left..owned.cols.end - left,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn deepest() -> Vec<Layer> {
        vec![Layer::parse("conv5_1").unwrap()]
    }

    #[test]
    fn a_tile_reads_the_receptive_field_rounded_to_the_stride() {
        let tiling = Tiling::new(100, &deepest());
        assert_eq!((tiling.side, tiling.halo, tiling.align), (96, 80, 16));
        assert_eq!(Tiling::new(5, &deepest()).side, 16);
        assert_eq!(Tiling::new(96, &deepest()).tiles(200, 90).len(), 2);
    }

    proptest! {
        /// At every layer the owned parts partition the activation, each is non-empty and lies
        /// inside its tile's activation with a halo of at least the receptive radius.
        #[test]
        fn owned_parts_partition_every_layer(
            side in 1u32..300, height in 16usize..700, width in 16usize..700, deep in 0usize..13,
        ) {
            let layers = vec![Layer::from_index(deep).unwrap()];
            let tiles = Tiling::new(side, &layers).tiles(height, width);
            for layer in Layer::all().take(deep + 1) {
                let s = layer.stride();
                let mut covered = 0;
                for tile in &tiles {
                    let owned = tile.owned_at(layer);
                    let local = tile.local_at(layer);
                    prop_assert!(!owned.is_empty());
                    covered += owned.len();
                    prop_assert_eq!(tile.input.rows.start % s, 0);
                    prop_assert_eq!(tile.input.cols.start % s, 0);
                    prop_assert!(local.rows.end <= tile.input.rows.len() / s);
                    prop_assert!(local.cols.end <= tile.input.cols.len() / s);
                    let r = layer.receptive_radius();
                    let reads = |start: usize, end: usize, read: &std::ops::Range<usize>, n| {
                        (start * s < r || start * s - r >= read.start)
                            && ((end - 1) * s + r >= n || (end - 1) * s + r < read.end)
                    };
                    prop_assert!(reads(owned.rows.start, owned.rows.end, &tile.input.rows, height));
                    prop_assert!(reads(owned.cols.start, owned.cols.end, &tile.input.cols, width));
                }
                prop_assert_eq!(covered, (height / s) * (width / s));
            }
        }
    }
}
