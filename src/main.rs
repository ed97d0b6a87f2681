//! The `rampart` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    rampart::cli::main()
}
