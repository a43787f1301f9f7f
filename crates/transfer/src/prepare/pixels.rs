//! Moving images between `image`'s buffers and `[1, 3, H, W]` tensors, and resizing them.

use burn::tensor::{Device, Tensor, TensorData};
use image::imageops::{self, FilterType};
use image::{ImageBuffer, Luma, Rgb32FImage, RgbImage};

use crate::Error;

/// An RGB image as a `[1, 3, H, W]` tensor with values 0–255.
pub fn to_tensor(image: &RgbImage, device: &Device) -> Tensor<4> {
    let (w, h) = image.dimensions();
    let (w, h) = (w as usize, h as usize);
    let mut planar = vec![0f32; 3 * w * h];
    for (i, pixel) in image.pixels().enumerate() {
        for (c, value) in pixel.0.iter().enumerate() {
            planar[c * w * h + i] = f32::from(*value);
        }
    }
    Tensor::from_data(TensorData::new(planar, [1, 3, h, w]), device)
}

/// A float RGB image (values 0–255) as a `[1, 3, H, W]` tensor.
pub fn float_to_tensor(image: &Rgb32FImage, device: &Device) -> Tensor<4> {
    let (w, h) = image.dimensions();
    let (w, h) = (w as usize, h as usize);
    let mut planar = vec![0f32; 3 * w * h];
    for (i, pixel) in image.pixels().enumerate() {
        for (c, value) in pixel.0.iter().enumerate() {
            planar[c * w * h + i] = *value;
        }
    }
    Tensor::from_data(TensorData::new(planar, [1, 3, h, w]), device)
}

/// One value per pixel as a `[1, 1, H, W]` tensor.
pub fn plane_to_tensor(plane: &ImageBuffer<Luma<f32>, Vec<f32>>, device: &Device) -> Tensor<4> {
    let (w, h) = plane.dimensions();
    let values = plane.as_raw().clone();
    Tensor::from_data(
        TensorData::new(values, [1, 1, h as usize, w as usize]),
        device,
    )
}

/// An RGB image with its 0–255 levels as floats.
pub fn to_float(image: &RgbImage) -> Rgb32FImage {
    Rgb32FImage::from_fn(image.width(), image.height(), |x, y| {
        image::Rgb(image.get_pixel(x, y).0.map(f32::from))
    })
}

/// A `[1, 3, H, W]` tensor with values 0–255 as an RGB image, rounding to the nearest level;
/// an error if the device cannot give the values back.
pub fn to_image(tensor: &Tensor<4>) -> Result<RgbImage, Error> {
    let [_, _, h, w] = tensor.dims();
    let values = tensor
        .clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .map_err(|e| Error::device_from("cannot read back the image", e))?;
    if values.len() != 3 * w * h {
        return Err(Error::device(format!(
            "read back {} values for a {w}×{h} image",
            values.len()
        )));
    }
    Ok(RgbImage::from_fn(w as u32, h as u32, |x, y| {
        let i = y as usize * w + x as usize;
        image::Rgb(std::array::from_fn(|c| {
            values[c * w * h + i].round().clamp(0.0, 255.0) as u8
        }))
    }))
}

/// The dimensions that give `(w, h)` a longest side of `side`, keeping the aspect ratio.
pub fn fit_longest(w: u32, h: u32, side: f64) -> (u32, u32) {
    let scale = side / f64::from(w.max(h));
    let scaled = |d: u32| ((f64::from(d) * scale).round() as u32).max(1);
    (scaled(w), scaled(h))
}

/// `image` resized to `(w, h)` with Lanczos3, or borrowed unchanged when it already has them.
pub fn resized(image: &RgbImage, (w, h): (u32, u32)) -> std::borrow::Cow<'_, RgbImage> {
    if image.dimensions() == (w, h) {
        std::borrow::Cow::Borrowed(image)
    } else {
        std::borrow::Cow::Owned(imageops::resize(image, w, h, FilterType::Lanczos3))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensor_round_trip_keeps_pixels_and_layout() {
        let image = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, 200]));
        let tensor = to_tensor(&image, &Device::flex());
        assert_eq!(tensor.dims(), [1, 3, 3, 5]);
        assert_eq!(to_image(&tensor).unwrap(), image);
    }

    #[test]
    fn fit_longest_keeps_aspect() {
        assert_eq!(fit_longest(1024, 768, 512.0), (512, 384));
        assert_eq!(fit_longest(300, 451, 64.0), (43, 64));
        assert_eq!(fit_longest(1000, 1, 10.0), (10, 1));
    }
}
