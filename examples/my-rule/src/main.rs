//! The whole `currents` command-line tool — simulate, check, replay, compare, sweep,
//! policies, plot, report — with your rules in it: `cargo run -- policies`.

fn main() {
    // The built-in models with V1's registry replaced by yours (V1's checks are kept).
    let bench = currents::workbench::Workbench::builtin().model(my_rule::registry());
    std::process::exit(currents::cli::main_with(bench));
}
