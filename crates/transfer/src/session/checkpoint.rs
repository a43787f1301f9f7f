//! Checkpoints: everything a run needs to continue from the end of an iteration, as bytes.
//!
//! The file is `NSTCKPT1`, the length and JSON of a header (the configuration, where the run
//! is, the losses, the optimiser's scalars, the caller's note and every tensor's shape), the
//! length and `f32` values of the tensors (the iterate, its gradient, the running average,
//! Adam's moments or L-BFGS's pairs), then the SHA-256 of everything before it.

use std::fmt;

use burn::tensor::{Device, Tensor, TensorData};
use nst_vgg16::Precision;
use serde::{Deserialize, Serialize};

use crate::objective::Point;
use crate::optim::{Average, OptimizerState, Step};
use crate::session::sections::Format;
use crate::{Error, Losses, StyleTransferConfig};

/// `NSTCKPT1`: a header and the tensors' values.
const FORMAT: Format = Format {
    family: b"NSTCKPT",
    magic: b"NSTCKPT1",
    kind: "an nst checkpoint",
};

/// A run's state at the end of an iteration: taken with `Progress::checkpoint`, continued with
/// `StyleTransfer::resume_with`.
///
/// The run continues to the bytes it would have reached uninterrupted. The random generator
/// only draws the starting image, so after the first iteration it has no state to keep.
#[derive(Clone)]
pub struct Checkpoint {
    header: Header,
    tensors: Vec<(Vec<usize>, Vec<f32>)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    /// The configuration's JSON (without the weights file).
    config: String,
    note: String,
    scale: usize,
    /// Iterations done at this scale.
    step: usize,
    /// Iterations done over all scales.
    iteration: usize,
    evaluations: usize,
    losses: Losses,
    /// The divisors of the initial weighting, once set.
    initial: Option<Vec<f64>>,
    /// The running average's weight, once it has a sum.
    average: Option<f64>,
    optimizer: Optimizer,
    /// Every tensor's shape: the iterate, its gradient, the average's sum, then the
    /// optimiser's.
    shapes: Vec<Vec<usize>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Optimizer {
    Stateless,
    Adam { moments: bool },
    Lbfgs { pairs: Vec<(f64, f64)> },
}

/// A run between two iterations, as the observer's `Progress` sees it.
pub(crate) struct RunState<'a> {
    pub config: &'a StyleTransferConfig,
    pub scale: usize,
    pub step: usize,
    pub iteration: usize,
    pub evaluations: usize,
    pub initial: Option<Vec<f64>>,
    pub point: &'a Point,
    pub optimizer: &'a dyn Step,
    pub average: &'a Average,
}

impl fmt::Debug for RunState<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunState")
            .field("scale", &self.scale)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// A checkpoint's state back on a device.
pub(crate) struct Resumed {
    pub scale: usize,
    pub step: usize,
    pub iteration: usize,
    pub evaluations: usize,
    pub initial: Option<Vec<f64>>,
    pub point: Point,
    pub optimizer: OptimizerState,
    pub average: Option<(Tensor<4>, f64)>,
}

impl fmt::Debug for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checkpoint")
            .field("iteration", &self.header.iteration)
            .field("scale", &self.header.scale)
            .finish_non_exhaustive()
    }
}

impl Checkpoint {
    /// Iterations done, over all scales.
    pub fn iteration(&self) -> usize {
        self.header.iteration
    }

    /// The note the caller attached (the CLI keeps its recipe and outputs there).
    pub fn note(&self) -> &str {
        &self.header.note
    }

    /// This checkpoint with `note` attached.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.header.note = note.into();
        self
    }

    /// The checkpoint as bytes (see the module's documentation).
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let header = serde_json::to_vec(&self.header)
            .map_err(|e| Error::checkpoint_from("cannot be encoded", e))?;
        let values: Vec<u8> = self
            .tensors
            .iter()
            .flat_map(|(_, values)| values.iter().flat_map(|v| v.to_le_bytes()))
            .collect();
        Ok(FORMAT.write(&[&header, &values]))
    }

    /// Reads [`to_bytes`](Self::to_bytes)'s output; a file of another kind, a truncated
    /// or a corrupted one is refused.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let refuse = |reason: &str| Err(Error::checkpoint(reason));
        let [header, payload] = FORMAT.read(bytes)?;
        let header: Header =
            serde_json::from_slice(header).map_err(|e| Error::checkpoint_from("is corrupt", e))?;
        let mut values = payload
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        let mut tensors = Vec::with_capacity(header.shapes.len());
        for shape in &header.shapes {
            let n = shape.iter().product();
            tensors.push((shape.clone(), values.by_ref().take(n).collect::<Vec<f32>>()));
        }
        let expected: usize = header
            .shapes
            .iter()
            .map(|s| s.iter().product::<usize>())
            .sum();
        if expected * 4 != payload.len()
            || tensors.iter().any(|(s, v)| s.len() != 4 || v.is_empty())
        {
            return refuse("is corrupt: its tensors do not match their shapes");
        }
        Ok(Self { header, tensors })
    }

    /// The checkpoint of a run at `state`.
    pub(crate) fn capture(state: &RunState) -> Result<Self, Error> {
        let mut tensors = vec![state.point.image.clone(), state.point.gradient.clone()];
        let average = state.average.parts().map(|(sum, weight)| {
            tensors.push(sum);
            weight
        });
        let optimizer = match state.optimizer.state() {
            OptimizerState::Stateless => Optimizer::Stateless,
            OptimizerState::Adam { moments } => Optimizer::Adam {
                moments: moments.map(|m| tensors.extend([m.0, m.1])).is_some(),
            },
            OptimizerState::Lbfgs { pairs } => Optimizer::Lbfgs {
                pairs: pairs
                    .into_iter()
                    .map(|(s, y, rho, gamma)| {
                        tensors.extend([s, y]);
                        (rho, gamma)
                    })
                    .collect(),
            },
        };
        let tensors = tensors
            .into_iter()
            .map(|t| {
                let shape = t.dims().to_vec();
                let values = t
                    .try_into_vec_as::<f32>()
                    .map_err(|e| Error::device_from("cannot read back a result", e))?;
                Ok((shape, values))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Self {
            header: Header {
                config: fingerprint(state.config)?,
                note: String::new(),
                scale: state.scale,
                step: state.step,
                iteration: state.iteration,
                evaluations: state.evaluations,
                losses: state.point.losses.clone(),
                initial: state.initial.clone(),
                average,
                optimizer,
                shapes: tensors.iter().map(|(s, _)| s.clone()).collect(),
            },
            tensors,
        })
    }

    /// The state back on `device`, if this checkpoint was written by a run of `config`.
    pub(crate) fn resume(
        &self,
        config: &StyleTransferConfig,
        device: &Device,
    ) -> Result<Resumed, Error> {
        if self.header.config != fingerprint(config)? {
            return Err(Error::checkpoint(
                "was written by a run with another configuration",
            ));
        }
        let corrupt = || Error::checkpoint("is corrupt: its state is incomplete");
        let mut tensors = self
            .tensors
            .iter()
            .map(|(shape, values)| to_device(shape, values, device));
        let mut next = || tensors.next().flatten().ok_or_else(corrupt);
        let point = Point {
            image: next()?,
            gradient: next()?,
            losses: self.header.losses.clone(),
        };
        let average = match self.header.average {
            Some(weight) => Some((next()?, weight)),
            None => None,
        };
        let optimizer = match &self.header.optimizer {
            Optimizer::Stateless => OptimizerState::Stateless,
            Optimizer::Adam { moments } => OptimizerState::Adam {
                moments: match moments {
                    true => Some(Box::new((next()?, next()?))),
                    false => None,
                },
            },
            Optimizer::Lbfgs { pairs } => OptimizerState::Lbfgs {
                pairs: pairs
                    .iter()
                    .map(|&(rho, gamma)| Ok((next()?, next()?, rho, gamma)))
                    .collect::<Result<_, Error>>()?,
            },
        };
        Ok(Resumed {
            scale: self.header.scale,
            step: self.header.step,
            iteration: self.header.iteration,
            evaluations: self.header.evaluations,
            initial: self.header.initial.clone(),
            point,
            optimizer,
            average,
        })
    }
}

/// The configuration as the checkpoint keeps it: JSON.
/// The configuration as a checkpoint records it, without its precision: a run writes `auto`
/// where its recipe, which a resume reads, records the precision `auto` resolved to.
pub(crate) fn fingerprint(config: &StyleTransferConfig) -> Result<String, Error> {
    let config = config
        .to_builder()
        .precision(Precision::default())
        .build()?;
    serde_json::to_string(&config).map_err(|e| Error::checkpoint_from("cannot be encoded", e))
}

fn to_device(shape: &[usize], values: &[f32], device: &Device) -> Option<Tensor<4>> {
    let dims: [usize; 4] = shape.try_into().ok()?;
    Some(Tensor::from_data(
        TensorData::new(values.to_vec(), dims),
        device,
    ))
}
