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
static GLOBAL: FittingMiMalloc = FittingMiMalloc;

/// mimalloc, except that a shrinking `realloc` gives the spare room back.
/// mimalloc keeps a block in place when it shrinks to no less than half its
/// size, so `shrink_to_fit` and `into_boxed_slice` after a vector doubled
/// kept all of its spare capacity (up to half of every such vector, held
/// for the whole scan). Here a shrink that fits a smaller size class moves
/// to it.
#[cfg(not(rampart_system_alloc))]
struct FittingMiMalloc;

#[cfg(not(rampart_system_alloc))]
// SAFETY: every call is passed on to mimalloc's, or (a shrink) to its
// alloc and dealloc with the layouts `GlobalAlloc` guarantees.
unsafe impl std::alloc::GlobalAlloc for FittingMiMalloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: the caller's guarantees, passed on.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` is a live block of this allocator (the caller's
        // guarantee); `new_size` is non-zero and, rounded up to `layout`'s
        // alignment, does not overflow (also the caller's), so the new
        // layout is valid; the copy is of the `new_size` bytes both blocks hold.
        unsafe {
            if new_size < layout.size()
                && libmimalloc_sys::mi_good_size(new_size)
                    < libmimalloc_sys::mi_usable_size(ptr.cast())
            {
                let fitted =
                    std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
                let new = mimalloc::MiMalloc.alloc(fitted);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, new_size);
                    mimalloc::MiMalloc.dealloc(ptr, layout);
                }
                return new;
            }
            mimalloc::MiMalloc.realloc(ptr, layout, new_size)
        }
    }
}

#[cfg(all(test, not(rampart_system_alloc)))]
mod tests {
    /// A vector shrunk to just over half its capacity moves to a block of
    /// its size, with its contents (mimalloc alone keeps the first block).
    #[test]
    fn shrinking_gives_the_spare_room_back() {
        let mut v: Vec<u8> = Vec::with_capacity(1 << 20);
        v.extend((0..600_000u32).map(|i| (i % 251) as u8));
        let before = v.as_ptr();
        v.shrink_to_fit();
        // SAFETY: `v`'s buffer is a live block of the global allocator.
        let usable = unsafe { libmimalloc_sys::mi_usable_size(v.as_ptr().cast()) };
        assert!(
            usable < 700_000,
            "the shrunk block still holds {usable} bytes"
        );
        assert_ne!(before, v.as_ptr());
        assert!(v.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));

        // Shrinking within one size class keeps the block.
        let mut w: Vec<u8> = Vec::with_capacity(64);
        w.extend_from_slice(&[7; 63]);
        let before = w.as_ptr();
        w.shrink_to_fit();
        assert_eq!(before, w.as_ptr());
        assert_eq!(w, [7; 63]);
    }
}
