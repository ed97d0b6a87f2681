//! The `rampart` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    #[cfg(not(rampart_system_alloc))]
    purge_freed_memory_sooner();
    rampart::cli::main()
}

/// mimalloc 3 keeps freed memory for a second before giving it back to the
/// system (mimalloc 2: 10 ms). A scan frees parse trees and temporaries
/// phase by phase, faster than that: kept, they were a tenth of a 100k-file
/// tree's peak RSS (measured: about 520–550 → 475–490 MB, CPU and wall
/// within noise). Back to 10 ms, unless `MIMALLOC_PURGE_DELAY` says
/// otherwise.
#[cfg(not(rampart_system_alloc))]
fn purge_freed_memory_sooner() {
    /// `mi_option_purge_delay` in mimalloc.h (the same in mimalloc 2 and 3).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        && std::env::var_os("MIMALLOC_RESET_DELAY").is_none()
    {
        // SAFETY: sets one of mimalloc's options, which it reads on each
        // purge; any value is valid for this one.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 10) };
    }
}

// Parsing a large tree allocates many small strings on every core: glibc's
// and musl's allocators spent a fifth of a 100k-file scan in malloc and free.
// `--cfg rampart_system_alloc` keeps the system allocator, for heap profilers
// (heaptrack) that watch malloc.
#[cfg(not(rampart_system_alloc))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
