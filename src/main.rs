//! The `currents` command-line tool: the library's CLI ([`currents::cli`]) with the built-in
//! registry. A user's crate builds the same tool with its own names registered by calling
//! `currents::cli::main_with(registry)` from its own `main`.

fn main() {
    std::process::exit(currents::cli::main());
}
