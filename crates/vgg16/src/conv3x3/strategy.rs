//! Whether the implicit GEMM runs, learnt once per device and layer shape: a device where it
//! cannot run (no cooperative matrices, as on lavapipe) is not asked again at every call.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// What the first try of a preferred kernel taught, per key (a device and a layer's shapes).
pub(crate) struct Learnt<K> {
    runs: Mutex<HashMap<K, bool>>,
}

impl<K> Default for Learnt<K> {
    fn default() -> Self {
        Self {
            runs: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash> Learnt<K> {
    /// `preferred(&input)` unless it already failed for `key`; `fallback(input)` where it
    /// fails (returns `None`), which is then remembered. A key where it ran is tried again at
    /// each call, as every key was before it was learnt, so a later failure still falls back.
    pub(crate) fn run<I, T>(
        &self,
        key: K,
        input: I,
        preferred: impl FnOnce(&I) -> Option<T>,
        fallback: impl FnOnce(I) -> T,
    ) -> T {
        if self.known(&key) == Some(false) {
            return fallback(input);
        }
        // The lock is not held while a kernel runs.
        let output = preferred(&input);
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, output.is_some());
        output.unwrap_or_else(|| fallback(input))
    }

    /// Whether the preferred kernel ran for `key` at its last try; `None` before any.
    pub(crate) fn known(&self, key: &K) -> Option<bool> {
        let runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        runs.get(key).copied()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// `learnt.run` on `key` with a preferred kernel that returns `ran` and counts its calls.
    fn run(
        learnt: &Learnt<(&'static str, u32)>,
        key: (&'static str, u32),
        ran: bool,
        tries: &Cell<u32>,
    ) -> String {
        learnt.run(
            key,
            "input",
            |input| {
                tries.set(tries.get() + 1);
                ran.then(|| format!("preferred({input})"))
            },
            |input| format!("fallback({input})"),
        )
    }

    #[test]
    fn a_failure_is_tried_once_per_key_then_falls_back_directly() {
        let (learnt, tries) = (Learnt::default(), Cell::new(0));
        assert_eq!(learnt.known(&("lavapipe", 64)), None);
        for _ in 0..3 {
            assert_eq!(
                run(&learnt, ("lavapipe", 64), false, &tries),
                "fallback(input)"
            );
        }
        assert_eq!(tries.get(), 1, "tried once for the key, not at every call");
        assert_eq!(learnt.known(&("lavapipe", 64)), Some(false));

        // Another shape, or another device, is tried for itself.
        assert_eq!(
            run(&learnt, ("lavapipe", 128), false, &tries),
            "fallback(input)"
        );
        assert_eq!(run(&learnt, ("h100", 64), true, &tries), "preferred(input)");
        assert_eq!(tries.get(), 3);
        assert_eq!(learnt.known(&("h100", 64)), Some(true));
    }

    #[test]
    fn a_key_that_ran_is_tried_at_each_call_and_still_falls_back() {
        let (learnt, tries) = (Learnt::default(), Cell::new(0));
        let key = ("h100", 64);
        assert_eq!(run(&learnt, key, true, &tries), "preferred(input)");
        assert_eq!(run(&learnt, key, true, &tries), "preferred(input)");
        assert_eq!(tries.get(), 2);
        assert_eq!(run(&learnt, key, false, &tries), "fallback(input)");
        assert_eq!(
            run(&learnt, key, true, &tries),
            "fallback(input)",
            "learnt from the failure"
        );
        assert_eq!(tries.get(), 3);
    }
}
