//! An error on one line, as `nst`, a batch's records and the page show it.

/// `error` and its causes on one line (`cannot read x.png: permission denied`).
pub fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}
