use nst::image::RgbImage;
use nst::image::imageops::{self, FilterType};

/// The images side by side, each scaled (Lanczos3) to `height`.
pub fn side_by_side(images: &[&RgbImage], height: u32) -> RgbImage {
    let height = height.max(1);
    let scaled: Vec<RgbImage> = images
        .iter()
        .map(|image| {
            let width = (u64::from(image.width()) * u64::from(height))
                .div_ceil(u64::from(image.height().max(1)))
                .max(1) as u32;
            imageops::resize(*image, width, height, FilterType::Lanczos3)
        })
        .collect();
    let width = scaled.iter().map(RgbImage::width).sum();
    let mut sheet = RgbImage::new(width, height);
    let mut x = 0;
    for image in &scaled {
        imageops::replace(&mut sheet, image, i64::from(x), 0);
        x += image.width();
    }
    sheet
}
