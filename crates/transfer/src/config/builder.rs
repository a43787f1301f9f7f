//! Building a configuration option by option, validated at the end.

use nst_vgg16::{Flavour, Layer, Pooling, Precision};

use crate::{
    Error, Init, MultiScale, Optimizer, PreserveColors, StyleLoss, StyleTransferConfig, Weighting,
};

/// Builds a [`StyleTransferConfig`] from the defaults, validating it at the end.
///
/// ```
/// use nst_transfer::StyleTransferConfig;
/// let cfg = StyleTransferConfig::builder()
///     .iterations(50)
///     .size(Some(256))
///     .style_layers_by_name("conv1_1,conv2_1,conv3_1")
///     .build()
///     .unwrap();
/// assert_eq!(cfg.style_layers().len(), 3);
/// assert!(StyleTransferConfig::builder().style_weight(-1.0).build().is_err());
/// ```
#[derive(Debug, Default)]
pub struct StyleTransferConfigBuilder {
    config: StyleTransferConfig,
    error: Option<Error>,
}

macro_rules! setters {
    ($($(#[$doc:meta])* $field:ident: $ty:ty),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $field(mut self, value: $ty) -> Self {
            self.config.$field = value;
            self
        }
    )*};
}

impl StyleTransferConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> StyleTransferConfigBuilder {
        StyleTransferConfigBuilder::default()
    }

    /// A builder starting from this configuration, to make a variation of it.
    pub fn to_builder(&self) -> StyleTransferConfigBuilder {
        StyleTransferConfigBuilder::from(self.clone())
    }
}

impl From<StyleTransferConfig> for StyleTransferConfigBuilder {
    fn from(config: StyleTransferConfig) -> Self {
        Self {
            config,
            error: None,
        }
    }
}

impl StyleTransferConfigBuilder {
    setters! {
        /// Sets [`StyleTransferConfig::content_layers`].
        content_layers: Vec<Layer>,
        /// Sets [`StyleTransferConfig::style_layers`].
        style_layers: Vec<Layer>,
        /// Sets [`StyleTransferConfig::style_loss`].
        style_loss: StyleLoss,
        /// Sets [`StyleTransferConfig::histogram_weight`].
        histogram_weight: f64,
        /// Sets [`StyleTransferConfig::histogram_layers`].
        histogram_layers: Vec<Layer>,
        /// Sets [`StyleTransferConfig::style_layer_weights`].
        style_layer_weights: Option<Vec<f64>>,
        /// Sets [`StyleTransferConfig::content_weight`].
        content_weight: f64,
        /// Sets [`StyleTransferConfig::style_weight`].
        style_weight: f64,
        /// Sets [`StyleTransferConfig::denoise_weight`].
        denoise_weight: f64,
        /// Sets [`StyleTransferConfig::photorealism_weight`].
        photorealism_weight: f64,
        /// Sets [`StyleTransferConfig::smooth`].
        smooth: bool,
        /// Sets [`StyleTransferConfig::weighting`].
        weighting: Weighting,
        /// Sets [`StyleTransferConfig::optimizer`].
        optimizer: Optimizer,
        /// Sets [`StyleTransferConfig::step_size`].
        step_size: f64,
        /// Sets [`StyleTransferConfig::step_decay`].
        step_decay: f64,
        /// Sets [`StyleTransferConfig::average`].
        average: f64,
        /// Sets [`StyleTransferConfig::history`].
        history: usize,
        /// Sets [`StyleTransferConfig::iterations`].
        iterations: usize,
        /// Sets [`StyleTransferConfig::init`].
        init: Init,
        /// Sets [`StyleTransferConfig::seed`].
        seed: u64,
        /// Sets [`StyleTransferConfig::size`].
        size: Option<u32>,
        /// Sets [`StyleTransferConfig::style_scale`].
        style_scale: f64,
        /// Sets [`StyleTransferConfig::style_blend`].
        style_blend: Option<Vec<f64>>,
        /// Sets [`StyleTransferConfig::gram_normalize`].
        gram_normalize: bool,
        /// Sets [`StyleTransferConfig::preserve_colors`].
        preserve_colors: Option<PreserveColors>,
        /// Sets [`StyleTransferConfig::multiscale`].
        multiscale: Option<MultiScale>,
        /// Sets [`StyleTransferConfig::pooling`].
        pooling: Pooling,
        /// Sets [`StyleTransferConfig::flavour`].
        flavour: Flavour,
        /// Sets [`StyleTransferConfig::precision`].
        precision: Precision,
    }

    /// Sets the content layers from a comma-separated list of names or indices.
    pub fn content_layers_by_name(self, list: &str) -> Self {
        self.parse_layers(list, |config, layers| config.content_layers = layers)
    }

    /// Sets the style layers from a comma-separated list of names or indices.
    pub fn style_layers_by_name(self, list: &str) -> Self {
        self.parse_layers(list, |config, layers| config.style_layers = layers)
    }

    /// Sets the histogram layers from a comma-separated list of names or indices.
    pub fn histogram_layers_by_name(self, list: &str) -> Self {
        self.parse_layers(list, |config, layers| config.histogram_layers = layers)
    }

    fn parse_layers(
        mut self,
        list: &str,
        set: impl FnOnce(&mut StyleTransferConfig, Vec<Layer>),
    ) -> Self {
        match Layer::parse_list(list) {
            Ok(layers) => set(&mut self.config, layers),
            Err(e) => self.error = self.error.or(Some(e.into())),
        }
        self
    }

    /// Validates and returns the configuration.
    pub fn build(self) -> Result<StyleTransferConfig, Error> {
        if let Some(error) = self.error {
            return Err(error);
        }
        self.config.validate()?;
        Ok(self.config)
    }
}
