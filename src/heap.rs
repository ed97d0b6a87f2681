//! Which heap a thread's allocations go to. The parse trees of a load live
//! until the release (or only while a file is reduced to its facts), the
//! facts for the whole scan: allocated side by side, every parse tree freed
//! left holes across the pages the facts keep alive, which the allocator
//! cannot give back. The binary's allocator puts what a thread allocates
//! inside [`parse_tree`] on a heap of its own (pages apart from the rest),
//! so those pages empty together when the trees are freed. Only placement:
//! a block is freed the same way from any heap, and without the binary's
//! allocator (tests, library callers) this changes nothing.

use std::cell::Cell;
use std::sync::OnceLock;

thread_local!(static PARSE_TREE: Cell<bool> = const { Cell::new(false) });

/// Runs `f` with this thread's allocations marked as parse trees (see the
/// module). What `f` returns may be kept, but should not be kept for the
/// whole scan: copy that out (`Clone`) after `f` returns.
pub fn parse_tree<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            PARSE_TREE.set(self.0);
        }
    }
    let _restore = Restore(PARSE_TREE.replace(true));
    f()
}

/// Whether this thread is inside [`parse_tree`] (for the allocator; false
/// while the thread is being torn down).
#[inline]
pub fn in_parse_tree() -> bool {
    PARSE_TREE.try_with(Cell::get).unwrap_or(false)
}

static ON_PEAK_PASSED: OnceLock<fn()> = OnceLock::new();

/// The binary's allocator registers what to do once a scan's peak is past
/// ([`peak_passed`]); the first registration holds.
pub fn on_peak_passed(f: fn()) {
    let _ = ON_PEAK_PASSED.set(f);
}

/// Called by the engine once what was read and derived is freed and the
/// findings are finished: what follows (the report, written a window at a
/// time) only reuses memory. Memory freed from then on is better kept for
/// it than given back to the system and faulted in again.
pub fn peak_passed() {
    if let Some(f) = ON_PEAK_PASSED.get() {
        f();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_the_thread_while_it_runs_and_after_a_panic_no_more() {
        assert!(!in_parse_tree());
        assert!(parse_tree(|| parse_tree(in_parse_tree) && in_parse_tree()));
        assert!(!in_parse_tree());
        let panicked = std::panic::catch_unwind(|| parse_tree(|| panic!("parser bug")));
        assert!(panicked.is_err());
        assert!(!in_parse_tree());
        assert!(!parse_tree(|| std::thread::spawn(in_parse_tree)
            .join()
            .unwrap()));
    }

    #[test]
    fn the_first_registered_hook_runs_when_the_peak_is_past() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        peak_passed(); // nothing registered: nothing happens
        on_peak_passed(|| {
            CALLS.fetch_add(1, Ordering::Relaxed);
        });
        on_peak_passed(|| panic!("only the first registration holds"));
        peak_passed();
        // (Scans in other tests of this process may have called it too.)
        assert!(CALLS.load(Ordering::Relaxed) >= 1);
    }
}
