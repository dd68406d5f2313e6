//! The value parsers flags share: each refusal states the range actually enforced.

use crate::draws::RngKind;

/// A whole number in `[lo, hi]`.
pub(crate) fn whole(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |s: &str| {
        s.trim()
            .parse::<u64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| format!("accepted: a whole number in [{lo}, {hi}]"))
    }
}

/// A generator family: `chacha` or `numpy`.
pub(crate) fn rng_kind(s: &str) -> Result<RngKind, String> {
    RngKind::parse(s).map_err(|_| "accepted: chacha or numpy".to_owned())
}
