use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// The names of VGG-16's 13 convolutional layers, in forward order.
pub(crate) const NAMES: [&str; 13] = [
    "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3", "conv4_1",
    "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3",
];

/// Input and output channels of VGG-16's 13 convolutions, in forward order.
pub(crate) const CHANNELS: [[usize; 2]; 13] = [
    [3, 64],
    [64, 64],
    [64, 128],
    [128, 128],
    [128, 256],
    [256, 256],
    [256, 256],
    [256, 512],
    [512, 512],
    [512, 512],
    [512, 512],
    [512, 512],
    [512, 512],
];

/// Indices of the convolutions (conv1_2, conv2_2, conv3_3, conv4_3) followed by a 2×2 pool.
pub(crate) const POOL_AFTER: [usize; 4] = [1, 3, 6, 9];

/// One of VGG-16's 13 convolutional layers; its activation is taken after the ReLU.
///
/// Parsed from its name (`conv3_1`) or from its index in forward order (`4`), and
/// serialised as its name.
///
/// ```
/// use nst_vgg16::Layer;
/// assert_eq!(Layer::parse("4").unwrap(), Layer::parse("conv3_1").unwrap());
/// assert_eq!(Layer::parse("conv5_3").unwrap().index(), 12);
/// assert!(Layer::parse("conv6_1").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Layer(u8);

impl Layer {
    /// Every layer, in forward order.
    pub fn all() -> impl Iterator<Item = Layer> {
        (0..NAMES.len() as u8).map(Layer)
    }

    /// The layer at `index` in forward order (0 = conv1_1 … 12 = conv5_3).
    pub fn from_index(index: usize) -> Option<Layer> {
        (index < NAMES.len()).then_some(Layer(index as u8))
    }

    /// Parses a name such as `conv3_1` or an index such as `4`.
    pub fn parse(s: &str) -> Result<Layer, Error> {
        let s = s.trim();
        let index = match s.parse::<usize>() {
            Ok(index) => Some(index),
            Err(_) => NAMES.iter().position(|name| name.eq_ignore_ascii_case(s)),
        };
        index
            .and_then(Layer::from_index)
            .ok_or_else(|| Error::UnknownLayer(s.to_owned()))
    }

    /// Parses a comma-separated list such as `conv1_1,conv2_1` or `0,2`.
    pub fn parse_list(s: &str) -> Result<Vec<Layer>, Error> {
        s.split(',').map(Layer::parse).collect()
    }

    /// The index in forward order, 0–12.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The name, such as `conv3_1`.
    pub fn name(self) -> &'static str {
        NAMES[self.index()]
    }

    /// The number of channels of this layer's activation: 64 in block 1 to 512 in blocks 4–5.
    pub fn channels(self) -> usize {
        CHANNELS[self.index()][1]
    }

    /// How many input pixels one step of this layer's activation spans: 1 in block 1, 2 in
    /// block 2, … 16 in block 5. An activation of an `H`×`W` input is `⌊H/s⌋`×`⌊W/s⌋`.
    pub fn stride(self) -> usize {
        1 << self.pools_before()
    }

    /// How far (in input pixels, either way) an activation of this layer reads its input:
    /// an activation at input position `p·s` depends on the pixels within `p·s ± r` only.
    ///
    /// ```
    /// use nst_vgg16::Layer;
    /// assert_eq!(Layer::parse("conv1_1").unwrap().receptive_radius(), 1);
    /// assert_eq!(Layer::parse("conv5_1").unwrap().receptive_radius(), 73);
    /// ```
    pub fn receptive_radius(self) -> usize {
        // Each 3×3 convolution reads one step further either way, and so does each 2×2 pool
        // (its window reaches one step right and down), in the steps of its own input.
        let mut radius = 0;
        let mut stride = 1;
        for index in 0..=self.index() {
            radius += stride;
            if index < self.index() && POOL_AFTER.contains(&index) {
                radius += stride;
                stride *= 2;
            }
        }
        radius
    }

    /// The number of 2×2 pools between the input and this layer.
    pub(crate) fn pools_before(self) -> usize {
        POOL_AFTER
            .iter()
            .filter(|&&pool| pool < self.index())
            .count()
    }
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Layer {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Layer::parse(s)
    }
}

impl Serialize for Layer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Layer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Layer::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_indices_agree() {
        for (i, layer) in Layer::all().enumerate() {
            assert_eq!(layer.index(), i);
            assert_eq!(Layer::parse(layer.name()).unwrap(), layer);
            assert_eq!(Layer::parse(&i.to_string()).unwrap(), layer);
        }
        assert!(Layer::parse("13").is_err());
        assert!(Layer::parse("").is_err());
        assert_eq!(
            Layer::parse_list("conv1_1, 4").unwrap(),
            vec![Layer(0), Layer(4)]
        );
    }
}
