//! Reading statistics back from the device, for the losses computed on the host.

use burn::tensor::{Element, Tensor};

use crate::Error;

/// `tensor`'s values on the host as `E`; `what` names it in the error.
pub(crate) fn read_as<E: Element, const D: usize>(
    tensor: Tensor<D>,
    what: &'static str,
) -> Result<Vec<E>, Error> {
    tensor
        .try_into_vec_as::<E>()
        .map_err(|source| Error::ReadBack { what, source })
}
