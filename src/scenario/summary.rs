//! A scenario report's summary: the one per-run fold's figures ([`RunFold`]) per run and
//! over all runs, explained in the names the model gives a member's ledger columns, and the
//! digest line.

use std::fmt::Write as _;

use crate::metrics::RunFold;
use crate::model::{LedgerColumn, LedgerColumns};

use super::table::{KEY_WIDTH, row};

/// The summary table's columns and their widths.
pub const SUMMARY_COLUMNS: [(&str, usize); 7] = [
    ("run", 7),
    ("finalBalance", 22),
    ("meanAbsS", 22),
    ("overLimit", 10),
    ("zeroCredit", 11),
    ("minCredit", 11),
    ("maxCredit", 11),
];

fn mean_or_dash(sum: f64, count: u64) -> String {
    if count == 0 {
        "-".to_owned()
    } else {
        (sum / count as f64).to_string()
    }
}

/// A limit (for V1 an integer below 2^53, so `Display` of the double is the integer's
/// digits), or `-` when there is none.
fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// `column`'s quantity in words: its name, or minus its name when it holds the negation.
fn quantity(column: &LedgerColumn) -> String {
    if column.negated {
        format!("-{}", column.name)
    } else {
        column.name.clone()
    }
}

/// Minus `column`'s quantity in words.
fn minus(column: &LedgerColumn) -> String {
    if column.negated {
        column.name.clone()
    } else {
        format!("-{}", column.name)
    }
}

/// What the summary's figures are, in the names the model gives member m's ledger columns
/// (`ledger`, [`LedgerColumns::of_any_member`]): per step for a one-member model (V1's
/// lines, as they always read), per member-step otherwise.
fn explanation(ledger: &LedgerColumns, n_members: usize) -> Vec<String> {
    let (b, l) = (quantity(&ledger.balance), quantity(&ledger.limit));
    let one = n_members == 1;
    let (steps, of_members, final_balance) = if one {
        ("steps", "", format!("{b} after the last step"))
    } else {
        (
            "member-steps",
            " of any member",
            format!("the members' mean {b} after the last step"),
        )
    };
    let mut lines = vec![format!(
        "finalBalance: {final_balance}; on the `all` row, the mean over runs"
    )];
    match (&ledger.balance_mean, &ledger.send_volume_mean) {
        (Some(mb), Some(ms)) => {
            let (mb, ms) = (&mb.name, quantity(ms));
            lines.extend([
                format!("meanAbsS:     mean of |{mb}| / {ms} over the {steps} with {ms} > 0"),
                "              (summed step by step, run by run); `-` when there is no such step"
                    .to_owned(),
            ]);
        }
        _ => lines
            .push("meanAbsS:     `-`: the model keeps no mean balance and send volume".to_owned()),
    }
    let (minus_l, l_name) = (minus(&ledger.limit), &ledger.limit.name);
    lines.extend([
        format!("overLimit:    {steps} with {b} < {minus_l}; zeroCredit: {steps} with {l_name} = 0"),
        format!(
            "minCredit, maxCredit: the smallest and largest {l}{of_members}; all figures cover steps 1..T"
        ),
    ]);
    lines
}

/// Writes the `## summary` part: the explanation, one row per run's fold and the `all`
/// row (sums in step order, then run order), then the digest line.
pub(super) fn summary(
    out: &mut String,
    runs: &[RunFold],
    digest: u64,
    ledger: &LedgerColumns,
    n_members: usize,
) {
    out.push_str("\n## summary\n");
    for line in explanation(ledger, n_members) {
        out.push_str(&line);
        out.push('\n');
    }
    let widths = SUMMARY_COLUMNS.map(|(_, w)| w);
    row(out, &widths, SUMMARY_COLUMNS.map(|(name, _)| name));
    for (i, r) in runs.iter().enumerate() {
        row(
            out,
            &widths,
            [
                (i + 1).to_string(),
                r.tally().final_balance.to_string(),
                mean_or_dash(r.abs_s().0, r.abs_s().1),
                r.tally().steps_over_limit.to_string(),
                r.tally().steps_zero_limit.to_string(),
                opt(r.tally().min()),
                opt(r.tally().max()),
            ],
        );
    }
    let balance_sum: f64 = runs.iter().map(|r| r.tally().final_balance).sum();
    let abs_s_sum: f64 = runs.iter().map(|r| r.abs_s().0).sum();
    let abs_s_count: u64 = runs.iter().map(|r| r.abs_s().1).sum();
    row(
        out,
        &widths,
        [
            "all".to_owned(),
            mean_or_dash(balance_sum, runs.len() as u64),
            mean_or_dash(abs_s_sum, abs_s_count),
            runs.iter()
                .map(|r| r.tally().steps_over_limit)
                .sum::<u64>()
                .to_string(),
            runs.iter()
                .map(|r| r.tally().steps_zero_limit)
                .sum::<u64>()
                .to_string(),
            opt(runs.iter().filter_map(|r| r.tally().min()).reduce(f64::min)),
            opt(runs.iter().filter_map(|r| r.tally().max()).reduce(f64::max)),
        ],
    );
    let _ = writeln!(
        out,
        "{:<KEY_WIDTH$}{digest:016x} (FNV-1a 64 over every column of every state of every run, floats as IEEE-754 bits)",
        "digest:"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_explanation_names_the_declared_columns_and_their_signs() {
        // A later notebook's ledger: the limit stored signed, two means kept.
        let signed = LedgerColumns::new("balance", LedgerColumn::negated("creditLimit"))
            .balance_mean("avgBalance")
            .send_volume_mean("avgSendVolumeOut");
        let lines = explanation(&signed, 1);
        assert_eq!(
            lines[1],
            "meanAbsS:     mean of |avgBalance| / avgSendVolumeOut over the steps with avgSendVolumeOut > 0"
        );
        assert_eq!(
            lines[3],
            "overLimit:    steps with balance < creditLimit; zeroCredit: steps with creditLimit = 0"
        );
        assert!(lines[4].contains("the smallest and largest -creditLimit;"));
        // A model that declares nothing: the ledger's own names, no means.
        let lines = explanation(&LedgerColumns::new("balance", "limit"), 2);
        assert!(lines[1].contains("keeps no mean balance"));
        assert_eq!(
            lines[2],
            "overLimit:    member-steps with balance < -limit; zeroCredit: member-steps with limit = 0"
        );
    }
}
