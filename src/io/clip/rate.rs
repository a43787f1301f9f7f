//! Frame rates as exact fractions.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::Error;

/// A frame rate: `frames` frames every `seconds` seconds, an exact fraction in lowest terms
/// (`30000/1001` for NTSC video, `25/1`, `100/7` for a GIF's 7 centisecond delay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRate {
    frames: u32,
    seconds: u32,
}

impl FrameRate {
    /// `frames` frames every `seconds` seconds, or `None` if either is zero or the reduced
    /// fraction does not fit in `u32`s.
    pub fn new(frames: u64, seconds: u64) -> Option<Self> {
        if frames == 0 || seconds == 0 {
            return None;
        }
        let divisor = gcd(frames, seconds);
        Some(Self {
            frames: u32::try_from(frames / divisor).ok()?,
            seconds: u32::try_from(seconds / divisor).ok()?,
        })
    }

    /// The rate of frames shown for `numerator / denominator` milliseconds each, or `None`
    /// for a zero delay (an unspecified one, in GIFs and APNGs).
    pub fn from_delay_ms(numerator: u32, denominator: u32) -> Option<Self> {
        Self::new(1000 * u64::from(denominator), u64::from(numerator))
    }

    /// The numerator: frames per [`seconds`](Self::seconds).
    pub fn frames(self) -> u32 {
        self.frames
    }

    /// The denominator: the seconds that [`frames`](Self::frames) frames take.
    pub fn seconds(self) -> u32 {
        self.seconds
    }

    /// Frames per second, rounded to an `f64`.
    pub fn fps(self) -> f64 {
        f64::from(self.frames) / f64::from(self.seconds)
    }

    /// How long each frame is shown, to the nanosecond.
    pub fn delay(self) -> Duration {
        let nanos = u64::from(self.seconds) * 1_000_000_000 / u64::from(self.frames);
        Duration::from_nanos(nanos)
    }
}

/// `25` for 25/1, `30000/1001` otherwise: the form ffmpeg's `-framerate` takes.
impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seconds {
            1 => write!(f, "{}", self.frames),
            seconds => write!(f, "{}/{seconds}", self.frames),
        }
    }
}

/// Parses frames per second: a whole number (`25`), a decimal (`12.5`, up to 6 decimals) or a
/// fraction (`30000/1001`); zero and negative rates are refused ([`Error::InvalidFrameRate`]).
impl FromStr for FrameRate {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidFrameRate(text.to_owned());
        let number = |digits: &str| match digits.bytes().all(|b| b.is_ascii_digit()) {
            true => digits.parse::<u64>().ok(),
            false => None,
        };
        let (frames, seconds) = match text.trim().split_once(['/', '.']) {
            None => (number(text.trim()), Some(1)),
            Some((frames, seconds)) if text.contains('/') => (number(frames), number(seconds)),
            Some((whole, decimals)) if decimals.len() <= 6 => {
                let scale = 10u64.pow(decimals.len() as u32);
                let whole = number(whole).and_then(|w| w.checked_mul(scale));
                let decimals = if decimals.is_empty() {
                    Some(0)
                } else {
                    number(decimals)
                };
                (whole.zip(decimals).map(|(w, d)| w + d), Some(scale))
            }
            Some(_) => (None, None),
        };
        frames
            .zip(seconds)
            .and_then(|(frames, seconds)| Self::new(frames, seconds))
            .ok_or_else(invalid)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_rates() {
        let rate = |text: &str| text.parse::<FrameRate>().map(|r| r.to_string()).ok();
        assert_eq!(rate("25").as_deref(), Some("25"));
        assert_eq!(rate("12.5").as_deref(), Some("25/2"));
        assert_eq!(rate("30000/1001").as_deref(), Some("30000/1001"));
        assert_eq!(rate("50/2").as_deref(), Some("25"));
        for bad in ["0", "", "-1", "1/0", "x", "1.2.3", "1e3", "25/"] {
            assert_eq!(rate(bad), None, "{bad}");
        }
        let gif = FrameRate::from_delay_ms(70, 1).unwrap();
        assert_eq!((gif.frames(), gif.seconds()), (100, 7));
        assert_eq!(gif.delay(), Duration::from_millis(70));
        assert_eq!(FrameRate::from_delay_ms(0, 1), None);
    }
}
