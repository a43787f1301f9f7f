//! A job's progress as a bounded summary: the last [`RECENT`] iterations' events, and before
//! them a thinned history of at most [`EARLIER`] (every 2ᵏ-th iteration, k growing as the run
//! does), so that a run of any length keeps a few hundred events and a page that opens late
//! still draws its whole loss curve.

use std::collections::VecDeque;

use serde_json::Value;

/// The latest events kept whole.
pub const RECENT: usize = 200;

/// The earlier events kept, thinned.
pub const EARLIER: usize = 200;

/// Events numbered from 0 in the order pushed.
#[derive(Debug)]
pub struct ProgressLog {
    next: u64,
    stride: u64,
    earlier: Vec<(u64, Value)>,
    recent: VecDeque<(u64, Value)>,
}

impl Default for ProgressLog {
    fn default() -> Self {
        Self {
            next: 0,
            stride: 1,
            earlier: Vec::new(),
            recent: VecDeque::new(),
        }
    }
}

impl ProgressLog {
    /// Adds the next event.
    pub fn push(&mut self, event: Value) {
        self.recent.push_back((self.next, event));
        self.next += 1;
        if self.recent.len() <= RECENT {
            return;
        }
        let Some((number, event)) = self.recent.pop_front() else {
            return;
        };
        if number % self.stride == 0 {
            self.earlier.push((number, event));
        }
        if self.earlier.len() > EARLIER {
            self.stride *= 2;
            let stride = self.stride;
            self.earlier.retain(|(number, _)| number % stride == 0);
        }
    }

    /// The number the next event will have (the count pushed so far).
    pub fn next(&self) -> u64 {
        self.next
    }

    /// The kept events numbered `from` or later, in order.
    pub fn since(&self, from: u64) -> impl Iterator<Item = &Value> {
        self.earlier
            .iter()
            .chain(&self.recent)
            .filter(move |(number, _)| *number >= from)
            .map(|(_, event)| event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_run_keeps_the_latest_whole_and_a_thinned_history() {
        let mut log = ProgressLog::default();
        for n in 0..100_000u64 {
            log.push(json!(n));
            assert!(log.earlier.len() <= EARLIER && log.recent.len() <= RECENT);
        }
        let kept: Vec<u64> = log.since(0).map(|v| v.as_u64().unwrap()).collect();
        assert!(kept.len() <= RECENT + EARLIER, "{}", kept.len());
        // In order, starting at the first event, ending with the last RECENT whole.
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(kept[0], 0);
        let tail: Vec<u64> = (100_000 - RECENT as u64..100_000).collect();
        assert_eq!(kept[kept.len() - RECENT..], tail[..]);
        // The history spans the run evenly: no gap wider than twice the stride.
        let gaps = kept.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(gaps <= 2 * log.stride, "{gaps} > 2 × {}", log.stride);
        assert!(kept.len() >= EARLIER / 2 + RECENT);
        assert_eq!(log.since(99_990).count(), 10);
        assert_eq!(log.next(), 100_000);
    }

    #[test]
    fn a_short_run_keeps_every_event() {
        let mut log = ProgressLog::default();
        for n in 0..300u64 {
            log.push(json!(n));
        }
        assert_eq!(log.since(0).count(), 300);
        assert_eq!(log.since(250).next(), Some(&json!(250)));
    }
}
