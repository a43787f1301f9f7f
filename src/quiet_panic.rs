//! Catching a panic on this thread without printing it, and without touching what other
//! threads' panics do.
//!
//! The CUDA probe ([`crate::backend`]) calls into a runtime that panics when it cannot start.
//! Swapping the process's panic hook around such a call would silence, or misreport as the
//! probe's, a panic on any other thread meanwhile. Instead one hook is installed, once, in
//! front of whatever hook the process had: it keeps the message of a panic on a thread that is
//! inside [`catch_quietly`], and hands every other panic on to that previous hook.

use std::cell::RefCell;
use std::panic::{self, PanicHookInfo, UnwindSafe};
use std::sync::Once;

thread_local! {
    /// On a thread inside [`catch_quietly`]: `Some`, holding the first panic's message once
    /// there is one.
    static CAUGHT: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// `f()`, or the message of the first panic on this thread while it ran (the hook did not
/// print it). A panic on another thread meanwhile goes to the process's previous hook, as if
/// this function did not exist.
pub(crate) fn catch_quietly<T>(f: impl FnOnce() -> T + UnwindSafe) -> Result<T, Option<String>> {
    install();
    let outer = CAUGHT.with(|caught| caught.borrow_mut().replace(None));
    let result = panic::catch_unwind(f);
    let message = CAUGHT.with(|caught| std::mem::replace(&mut *caught.borrow_mut(), outer));
    result.map_err(|payload| {
        message
            .flatten()
            .or_else(|| crate::panic_message(&*payload).map(str::to_owned))
    })
}

/// Puts our hook in front of the process's, once.
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // `try_with`: a panic while this thread's locals are being destroyed is not ours;
            // `try_borrow_mut`: a panic in a hook would abort.
            let kept = CAUGHT.try_with(|caught| {
                caught
                    .try_borrow_mut()
                    .is_ok_and(|mut caught| keep(&mut caught, info))
            });
            if !kept.unwrap_or(false) {
                previous(info);
            }
        }));
    });
}

/// Keeps `info`'s message in `caught` if this thread is catching; whether it is.
fn keep(caught: &mut Option<Option<String>>, info: &PanicHookInfo<'_>) -> bool {
    match caught {
        Some(first) => {
            if first.is_none() {
                *first = crate::panic_message(info.payload()).map(str::to_owned);
            }
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, PoisonError};

    use super::*;

    /// The one test that sets hooks: a hook installed by another test first would leave ours
    /// in front of the process's default instead of the recording one.
    #[test]
    fn only_this_threads_panics_are_caught_others_reach_the_previous_hook() {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let default = panic::take_hook();
        let record = Arc::clone(&seen);
        panic::set_hook(Box::new(move |info| {
            let message = crate::panic_message(info.payload())
                .unwrap_or_default()
                .to_owned();
            record
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(message);
            default(info);
        }));
        let seen_now = || seen.lock().unwrap_or_else(PoisonError::into_inner).clone();

        let result: Result<(), _> = catch_quietly(|| {
            // Another thread's panic while this one is catching: the previous hook's.
            let other = std::thread::spawn(|| panic!("another thread's panic"));
            assert!(other.join().is_err());
            panic!("the probe's panic")
        });
        assert_eq!(result, Err(Some("the probe's panic".to_owned())));
        assert_eq!(seen_now(), ["another thread's panic"]);

        // After it, this thread's panics reach the previous hook again.
        assert_eq!(catch_quietly(|| 7), Ok(7));
        assert!(panic::catch_unwind(|| panic!("after the probe")).is_err());
        assert_eq!(seen_now(), ["another thread's panic", "after the probe"]);
    }
}
