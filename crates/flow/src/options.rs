//! The settings of [`flow_with`](crate::flow_with).

/// The settings of the DIS flow. [`Default`] is the setting measured in BENCHMARKS.md
/// ("Optical flow") against OpenCV's DIS `medium` preset.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowOptions {
    /// The side of the square patches matched between the frames, in pixels of each level
    /// (shrunk to the level's short side on tiny frames).
    pub patch_size: u32,
    /// The distance between neighbouring patches, in pixels; smaller is denser and slower.
    pub patch_stride: u32,
    /// The standard deviation, in pixels, of a Gaussian blur of both frames before the
    /// pyramid (0 turns it off). A little blur makes sub-pixel matching less biased.
    pub smoothing: f32,
    /// The finest pyramid level computed: 0 is full resolution, 1 half (then upsampled), and
    /// so on. Clamped to the coarsest level.
    pub finest_level: u32,
    /// The finest level at which patches are searched; finer levels (down to `finest_level`)
    /// only upsample the flow and refine it variationally, which is much cheaper. The coarsest
    /// level is always searched.
    pub finest_search_level: u32,
    /// Gauss–Newton iterations of each patch's inverse search, per level.
    pub search_iterations: u32,
    /// Subtract each patch's mean before comparing, which tolerates brightness changes.
    pub mean_normalization: bool,
    /// Let each patch try its neighbours' displacements before its own descent.
    pub spatial_propagation: bool,
    /// Fixed-point iterations of the variational refinement at each level but the finest (0
    /// turns it off there).
    pub refinement_iterations: u32,
    /// Fixed-point iterations of the variational refinement at the finest level computed
    /// (`finest_level`), which costs about as much as all the others together.
    pub finest_refinement_iterations: u32,
    /// Red–black SOR sweeps inside each fixed-point iteration.
    pub sor_iterations: u32,
    /// Weight of the smoothness term of the refinement.
    pub alpha: f32,
    /// Weight of the gradient-constancy data term of the refinement.
    pub gamma: f32,
    /// Weight of the brightness-constancy data term of the refinement.
    pub delta: f32,
}

impl Default for FlowOptions {
    fn default() -> Self {
        Self {
            patch_size: 8,
            patch_stride: 3,
            smoothing: 1.0,
            finest_level: 0,
            finest_search_level: 1,
            search_iterations: 8,
            mean_normalization: true,
            spatial_propagation: true,
            refinement_iterations: 5,
            finest_refinement_iterations: 3,
            sor_iterations: 5,
            alpha: 20.0,
            gamma: 10.0,
            delta: 5.0,
        }
    }
}
