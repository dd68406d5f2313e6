//! The `currents` command-line tool: the library's CLI ([`currents::cli`]) with the built-in
//! models (`Workbench::builtin()`: V1 and the network). A user's crate builds the same tool
//! with its own rules and models registered by calling `currents::cli::main_with(bench)`
//! from its own `main`.

fn main() {
    std::process::exit(currents::cli::main());
}
