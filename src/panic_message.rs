//! The message a caught panic carries.

/// The message of a caught panic (`std::panic::catch_unwind`'s error), where it is a string,
/// as `panic!` makes it.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}
