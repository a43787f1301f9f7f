//! Loading from the standard cache never downloads: with an empty cache the error names both
//! fixes and nothing is written. One test in its own binary, since it sets the environment.

use burn::tensor::Device;
use nst_vgg16::{Error, Flavour, Pooling, Vgg16, WeightsSource};

#[test]
fn an_empty_cache_is_an_error_that_names_both_fixes() {
    let cache = tempfile::tempdir().unwrap();
    // SAFETY: this binary's only test sets the variable before anything reads the environment
    // from another thread (the test harness's threads do not read it).
    unsafe {
        std::env::set_var("XDG_CACHE_HOME", cache.path());
        std::env::set_var("PATH", "/nonexistent");
    }
    let expected = cache
        .path()
        .join("nst")
        .join(nst_vgg16::weights::CACHE_FILE);
    assert_eq!(nst_vgg16::weights::cache_path().unwrap(), expected);
    let error = Vgg16::load(
        &WeightsSource::Cache,
        Flavour::Caffe,
        Pooling::Max,
        &Device::flex(),
    )
    .unwrap_err();
    assert!(
        matches!(&error, Error::NotCached(path) if *path == expected),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("nst::weights::fetch"), "{message}");
    assert!(message.contains("WeightsSource::Path"), "{message}");
    assert!(
        message.contains(&expected.display().to_string()),
        "{message}"
    );
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}
