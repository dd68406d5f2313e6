//! The `currents` command-line tool: argument parsing and file output around the library.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
