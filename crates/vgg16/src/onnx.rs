//! Import of VGG-16's convolution weights from an ONNX file.

use burn::tensor::{Device, Tensor};
use onnx_ir::padding::PaddingConfig2d;
use onnx_ir::{Node, OnnxGraphBuilder};

use crate::conv3x3::ConvRelu;
use crate::layer::CHANNELS;
use crate::weights::{Found, WeightsSource, sha256_file, sha256_hex};
use crate::{Error, Flavour, Pooling, Vgg16};

impl Vgg16 {
    /// Reads the 13 convolutions of VGG-16 from an ONNX model.
    ///
    /// The `Conv` nodes are taken in graph order, whatever their names and whatever comes
    /// before or after them (input transposes, a classifier head). The model is rejected,
    /// with a description of what it holds, unless it has exactly 13 convolutions with
    /// VGG-16's shapes: 3×3 kernels, stride 1, padding 1, no dilation or groups, and a bias.
    /// A file is memory-mapped, not read whole; its SHA-256 is kept
    /// ([`weights_sha256`](Self::weights_sha256)). Nothing is downloaded: a missing cached
    /// file is [`Error::NotCached`].
    ///
    /// `flavour` says how the weights expect their input; it cannot be read from the file.
    pub fn load(
        source: &WeightsSource,
        flavour: Flavour,
        pooling: Pooling,
        device: &Device,
    ) -> Result<Self, Error> {
        Self::load_with(source, flavour, pooling, device, ConvRelu::new)
    }

    /// [`load`](Self::load), building each layer from its weight and bias with `layer`.
    pub(crate) fn load_with(
        source: &WeightsSource,
        flavour: Flavour,
        pooling: Pooling,
        device: &Device,
        layer: impl Fn(Tensor<4>, Tensor<1>) -> ConvRelu,
    ) -> Result<Self, Error> {
        let parser = || OnnxGraphBuilder::new().simplify(false);
        let (parsed, origin, sha256) = match source.find()? {
            Found::Bytes(bytes) => (
                parser().parse_bytes(bytes),
                "given as bytes".to_owned(),
                sha256_hex(bytes),
            ),
            Found::File(path) => (
                parser().parse_file(&path),
                path.display().to_string(),
                sha256_file(&path)?,
            ),
        };
        let graph = parsed.map_err(|source| Error::Onnx {
            origin: origin.clone(),
            source,
        })?;
        let not_vgg = |reason: String| Error::NotVgg16 {
            origin: origin.clone(),
            reason,
        };
        let convs: Vec<_> = graph
            .nodes
            .iter()
            .filter_map(|node| match node {
                Node::Conv2d(conv) => Some(conv),
                _ => None,
            })
            .collect();

        let mut found = Vec::with_capacity(convs.len());
        let mut tensors = Vec::with_capacity(convs.len());
        for conv in &convs {
            let weight = conv.inputs.get(1).and_then(|arg| arg.value());
            let bias = conv.inputs.get(2).and_then(|arg| arg.value());
            let (Some(weight), Some(bias)) = (weight, bias) else {
                found.push(format!("{} (weight or bias not constant)", conv.name));
                continue;
            };
            let shape = weight.shape().to_vec();
            let config = &conv.config;
            let vgg_like = shape.len() == 4
                && shape[2..] == [3, 3]
                && bias.shape().to_vec() == [shape[0]]
                && config.stride == [1, 1]
                && config.dilation == [1, 1]
                && config.groups == 1
                && matches!(config.padding, PaddingConfig2d::Explicit(1, 1, 1, 1));
            found.push(if vgg_like {
                format!("{}→{}", shape[1], shape[0])
            } else {
                format!("{} {shape:?} {:?}", conv.name, config.padding)
            });
            if vgg_like {
                tensors.push((weight, bias, [shape[1], shape[0]]));
            }
        }

        let channels: Vec<[usize; 2]> = tensors.iter().map(|(_, _, ch)| *ch).collect();
        if convs.len() != CHANNELS.len() || channels != CHANNELS {
            return Err(not_vgg(format!(
                "expected 13 3×3 convolutions with channels {}, found {} Conv node(s){}{}",
                CHANNELS.map(|[i, o]| format!("{i}→{o}")).join(", "),
                convs.len(),
                if found.is_empty() { "" } else { ": " },
                found.join(", "),
            )));
        }

        let convs = tensors
            .into_iter()
            .map(|(weight, bias, _)| {
                let weight = Tensor::<4>::from_data(weight.convert::<f32>(), device);
                let bias = Tensor::<1>::from_data(bias.convert::<f32>(), device);
                layer(weight, bias)
            })
            .collect();
        Ok(Vgg16::from_layers(
            convs,
            flavour,
            pooling,
            sha256,
            device.clone(),
        ))
    }
}
