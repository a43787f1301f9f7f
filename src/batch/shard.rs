//! Which items a task paints: item k belongs to shard k mod N.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// One task's part of a plan: shard `index` of `count`. Items are dealt by stride, so that
/// every item belongs to exactly one shard for any count, and slow and quick items spread
/// evenly over the shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// How many shards there are.
    pub count: usize,
}

impl Shard {
    /// Shard `index` of `count`, or an error unless `index < count`.
    pub fn new(index: usize, count: usize) -> Result<Self, Error> {
        if count == 0 || index >= count {
            return Err(Error::InvalidShard(format!(
                "{index}/{count}: the shard must be below the count, counted from 0"
            )));
        }
        Ok(Self { index, count })
    }

    /// Whether the item at `position` in the plan belongs to this shard.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = Error;

    /// `I/N`, as in `--shard 3/10`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = s
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) => Shard::new(index, count),
            None => Err(Error::InvalidShard(format!(
                "{s}: expected I/N, shard I of N counted from 0 (0/4 … 3/4)"
            ))),
        }
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_in_exactly_one_shard() {
        for count in 1..=7 {
            for items in 0..=50 {
                for position in 0..items {
                    let owners = (0..count)
                        .filter(|&i| Shard::new(i, count).unwrap().owns(position))
                        .count();
                    assert_eq!(owners, 1, "item {position} of {items}, {count} shards");
                }
            }
        }
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            "3/10".parse::<Shard>().unwrap(),
            Shard {
                index: 3,
                count: 10
            }
        );
        assert_eq!("3/10".parse::<Shard>().unwrap().to_string(), "3/10");
        for bad in ["10/10", "0/0", "3", "a/b", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
