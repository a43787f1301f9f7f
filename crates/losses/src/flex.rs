//! What our operations on the `flex` CPU backend share: when they run, and how they read and
//! make `flex` tensors.

use burn::backend::DispatchDevice;
use burn::backend::flex::FlexTensor;
use burn::tensor::{DType, Tensor, TensorData};

/// Whether our `flex` operations run for `tensor`: `f32` on the `flex` backend, with or
/// without autodiff.
pub(crate) fn runs_on_flex<const D: usize>(tensor: &Tensor<D>) -> bool {
    tensor.dtype() == DType::F32
        && matches!(
            tensor.device().as_dispatch().clone().inner(),
            DispatchDevice::Flex(_)
        )
}

/// Runs `f` on an `f32` tensor's values in row-major order (copying only a strided view).
pub(crate) fn with_values<R>(tensor: &FlexTensor, f: impl FnOnce(&[f32]) -> R) -> R {
    match tensor.as_slice::<f32>() {
        Some(values) => f(values),
        None => f(tensor.to_contiguous().storage::<f32>()),
    }
}

/// A `flex` tensor of `shape` holding `values`, without copying them.
pub(crate) fn from_values<const D: usize>(values: Vec<f32>, shape: [usize; D]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}
