//! The `rampart` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    rampart::cli::main()
}

// Parsing a large tree allocates many small strings on every core: glibc's
// and musl's allocators spent a fifth of a 100k-file scan in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
