//! The `rampart` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    rampart::cli::main()
}

// Parsing a large tree allocates many small strings on every core: glibc's
// and musl's allocators spent a fifth of a 100k-file scan in malloc and free.
// `--cfg rampart_system_alloc` keeps the system allocator, for heap profilers
// (heaptrack) that watch malloc.
#[cfg(not(rampart_system_alloc))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
