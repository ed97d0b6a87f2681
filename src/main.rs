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
        // Once the scan's trees are freed, what the report frees is
        // reused by the report: purged, it was faulted in again, page by
        // page, and every purge interrupted the other cores to drop its
        // pages from their TLBs. (Kept from the end of the rules instead,
        // the freed trees were not all reused: +15 MB at the peak.) For
        // the rest of the process, which runs one scan.
        rampart::heap::on_peak_passed(|| {
            // SAFETY: as above; -1 is "never".
            unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
            PEAK_PASSED.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
    keep_purging();
}

/// Set once the scan's peak has passed (purging is off from then on).
#[cfg(not(rampart_system_alloc))]
static PEAK_PASSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// mimalloc 3 can stop purging for the rest of a process (`arena.c`): a
/// thread that finds nothing due clears the process-wide purge deadline
/// (`mi_arenas_try_purge`) while another, scheduling a purge, sets the
/// arena's deadline but leaves the process-wide one, which it still sees
/// set (`mi_arena_schedule_purge`). With that one clear, no purge is tried
/// again, and with the arena's set, no later schedule sets it. In about one
/// 100k-file scan in forty, freed memory stayed resident from then on:
/// peak RSS 358–381 MiB instead of 264–277. A thread that exits has
/// mimalloc visit every arena whatever the deadline
/// (`_mi_theap_collect_abandon`), purging what is due, which sets both
/// right: a thread that allocates and exits, every 50 ms, until the peak
/// has passed.
#[cfg(not(rampart_system_alloc))]
fn keep_purging() {
    use std::sync::atomic::Ordering;
    use std::time::Duration;
    let _ = std::thread::Builder::new()
        .name("rampart-purge".to_string())
        .spawn(|| {
            while !PEAK_PASSED.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
                let exited = std::thread::Builder::new()
                    .spawn(|| drop(std::hint::black_box(Box::new(0u64))))
                    .map(std::thread::JoinHandle::join);
                if !matches!(exited, Ok(Ok(()))) {
                    break;
                }
            }
        });
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
        if let Some(heap) = parse_tree_heap() {
            // SAFETY: `heap` is a live mimalloc heap (never deleted); size
            // and alignment from a valid layout.
            return unsafe {
                libmimalloc_sys::mi_heap_malloc_aligned(heap, layout.size(), layout.align()).cast()
            };
        }
        // SAFETY: the caller's guarantees, passed on.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if let Some(heap) = parse_tree_heap() {
            // SAFETY: as in `alloc`.
            return unsafe {
                libmimalloc_sys::mi_heap_zalloc_aligned(heap, layout.size(), layout.align()).cast()
            };
        }
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
                // On the heap `alloc` picks, like any new block.
                let fitted =
                    std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
                let new = self.alloc(fitted);
                if !new.is_null() {
                    std::ptr::copy_nonoverlapping(ptr, new, new_size);
                    mimalloc::MiMalloc.dealloc(ptr, layout);
                }
                return new;
            }
            if let Some(heap) = parse_tree_heap() {
                return libmimalloc_sys::mi_heap_realloc_aligned(
                    heap,
                    ptr.cast(),
                    new_size,
                    layout.align(),
                )
                .cast();
            }
            mimalloc::MiMalloc.realloc(ptr, layout, new_size)
        }
    }
}

/// The heap of parse trees (see `rampart::heap`): one for the process
/// (mimalloc 3's heaps take allocations from any thread), made on first
/// use, never deleted.
#[cfg(not(rampart_system_alloc))]
static PARSE_TREE_HEAP: std::sync::atomic::AtomicPtr<libmimalloc_sys::mi_heap_t> =
    std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());

/// [`PARSE_TREE_HEAP`], when this thread is inside
/// `rampart::heap::parse_tree`.
#[cfg(not(rampart_system_alloc))]
#[inline]
fn parse_tree_heap() -> Option<*mut libmimalloc_sys::mi_heap_t> {
    use std::sync::atomic::Ordering;
    if !rampart::heap::in_parse_tree() {
        return None;
    }
    let heap = PARSE_TREE_HEAP.load(Ordering::Acquire);
    if !heap.is_null() {
        return Some(heap);
    }
    // SAFETY: makes a heap; no other effect.
    let new = unsafe { libmimalloc_sys::mi_heap_new() };
    if new.is_null() {
        return None;
    }
    match PARSE_TREE_HEAP.compare_exchange(
        std::ptr::null_mut(),
        new,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => Some(new),
        Err(theirs) => {
            // SAFETY: `new` is ours, empty, and no block was taken from it.
            unsafe { libmimalloc_sys::mi_heap_delete(new) };
            Some(theirs)
        }
    }
}

#[cfg(all(test, not(rampart_system_alloc)))]
mod tests {
    unsafe extern "C" {
        /// mimalloc 3: the heap a block was taken from.
        fn mi_heap_of(p: *const std::ffi::c_void) -> *mut libmimalloc_sys::mi_heap_t;
    }

    fn heap_of<T: ?Sized>(p: &T) -> *mut libmimalloc_sys::mi_heap_t {
        // SAFETY: `p` points into a live block of the global allocator.
        unsafe { mi_heap_of((p as *const T).cast()) }
    }

    /// What a thread allocates inside `parse_tree` (and grows there) is on
    /// the parse trees' heap; before and after, and on other threads, it
    /// is not.
    #[test]
    fn parse_trees_get_a_heap_of_their_own() {
        let before = vec![1u64; 8];
        let (tree, grown) = rampart::heap::parse_tree(|| {
            let elsewhere = std::thread::spawn(|| heap_of(&*vec![2u64; 8]) as usize)
                .join()
                .unwrap();
            let mut grown: Vec<u64> = Vec::with_capacity(2);
            grown.extend(0..1000);
            (vec![3u64; 8], (grown, elsewhere))
        });
        let after = vec![4u64; 8];
        let heap = super::PARSE_TREE_HEAP.load(std::sync::atomic::Ordering::Acquire);
        assert!(!heap.is_null());
        assert_eq!(heap_of(&*tree), heap);
        assert_eq!(heap_of(&*grown.0), heap);
        assert_ne!(grown.1, heap as usize, "another thread's allocation");
        assert_ne!(heap_of(&*before), heap);
        assert_ne!(heap_of(&*after), heap);
        assert!(grown.0.iter().copied().eq(0..1000));
        drop(tree);
        // A shrink there gives the spare room back too, on that heap.
        let shrunk = rampart::heap::parse_tree(|| {
            let mut v: Vec<u8> = Vec::with_capacity(1 << 20);
            v.extend((0..600_000u32).map(|i| (i % 251) as u8));
            v.shrink_to_fit();
            v
        });
        // SAFETY: `shrunk`'s buffer is a live block of the global allocator.
        let usable = unsafe { libmimalloc_sys::mi_usable_size(shrunk.as_ptr().cast()) };
        assert!(
            usable < 700_000,
            "the shrunk block still holds {usable} bytes"
        );
        assert_eq!(heap_of(&*shrunk), heap);
        assert!(
            shrunk
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i % 251) as u8)
        );
    }

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
