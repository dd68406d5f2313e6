//! The whole `currents` command-line tool — simulate, check, replay, compare, sweep,
//! scenario, policies, plot, report — with your rules and your model in it:
//! `cargo run -- policies`.

fn main() {
    std::process::exit(currents::cli::main_with(my_rule::workbench()));
}
