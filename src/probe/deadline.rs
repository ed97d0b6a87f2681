//! The per-endpoint deadline on the wire: a `TcpStream` wrapper that sets,
//! before every read and every write, the socket's timeout to the smaller of
//! the per-operation timeout and what is left until an absolute deadline, and
//! fails with [`DeadlineExceeded`] once the deadline has passed. A timeout
//! set once per connection is not enough: a peer that sends one byte per
//! second answers every read in time and holds the probe forever.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The error inside an `io::Error` (kind `TimedOut`) when the deadline ran
/// out. Names the budget, never anything the peer sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineExceeded {
    /// The whole budget, for the message.
    pub budget: Duration,
}

impl fmt::Display for DeadlineExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "deadline exceeded: the per-endpoint deadline (--tls-deadline {}s) ran out",
            self.budget.as_secs_f32()
        )
    }
}

impl std::error::Error for DeadlineExceeded {}

impl DeadlineExceeded {
    pub fn io(budget: Duration) -> io::Error {
        io::Error::new(io::ErrorKind::TimedOut, DeadlineExceeded { budget })
    }

    /// The deadline error carried by `e`, if it is one.
    pub fn of(e: &io::Error) -> Option<&DeadlineExceeded> {
        e.get_ref()
            .and_then(|i| i.downcast_ref::<DeadlineExceeded>())
    }
}

/// An absolute deadline and the per-operation timeout under it.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    pub at: Instant,
    /// The whole budget (for messages).
    pub budget: Duration,
    /// The longest a single connect, read or write may wait.
    pub per_op: Duration,
}

impl Deadline {
    pub fn new(start: Instant, budget: Duration, per_op: Duration) -> Deadline {
        Deadline {
            at: start + budget,
            budget,
            per_op,
        }
    }

    /// The timeout for the next operation: min(per-op, remaining), or the
    /// deadline error when nothing remains.
    pub fn next_timeout(&self) -> io::Result<Duration> {
        let left = self.at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(DeadlineExceeded::io(self.budget));
        }
        // A zero timeout means "block forever" to the OS: never pass one.
        Ok(left.min(self.per_op).max(Duration::from_millis(1)))
    }

    pub fn passed(&self) -> bool {
        Instant::now() >= self.at
    }
}

/// A `TcpStream` whose every read and write is bounded by a [`Deadline`].
#[derive(Debug)]
pub struct BoundedStream {
    inner: TcpStream,
    deadline: Deadline,
}

impl BoundedStream {
    pub fn new(inner: TcpStream, deadline: Deadline) -> BoundedStream {
        BoundedStream { inner, deadline }
    }

    pub fn get_ref(&self) -> &TcpStream {
        &self.inner
    }

    /// A timeout that fired at or after the deadline is the deadline's.
    fn map_err(&self, e: io::Error) -> io::Error {
        let timed_out = matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        );
        if timed_out && self.deadline.passed() {
            DeadlineExceeded::io(self.deadline.budget)
        } else {
            e
        }
    }
}

impl Read for BoundedStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let t = self.deadline.next_timeout()?;
        self.inner.set_read_timeout(Some(t))?;
        self.inner.read(buf).map_err(|e| self.map_err(e))
    }
}

impl Write for BoundedStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let t = self.deadline.next_timeout()?;
        self.inner.set_write_timeout(Some(t))?;
        self.inner.write(buf).map_err(|e| self.map_err(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A peer that drips one byte every 50 ms for far longer than the
    /// deadline: every single read succeeds, the deadline still ends it.
    #[test]
    fn drip_is_bounded_by_the_deadline() {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().expect("accept");
            for _ in 0..200 {
                if s.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let start = Instant::now();
        let d = Deadline::new(start, Duration::from_millis(400), Duration::from_secs(5));
        let mut s = BoundedStream::new(TcpStream::connect(addr).expect("connect"), d);
        let mut got = 0;
        let err = loop {
            let mut b = [0u8; 1];
            match s.read(&mut b) {
                Ok(0) => panic!("the drip peer closed early"),
                Ok(n) => got += n,
                Err(e) => break e,
            }
        };
        assert!(got > 0);
        assert!(DeadlineExceeded::of(&err).is_some(), "{err}");
        assert!(err.to_string().contains("deadline exceeded"));
        drop(s);
        server.join().expect("server");
    }

    #[test]
    fn no_time_left_fails_before_the_operation() {
        let d = Deadline::new(
            Instant::now() - Duration::from_secs(2),
            Duration::from_secs(1),
            Duration::from_secs(5),
        );
        let e = d.next_timeout().expect_err("passed");
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(DeadlineExceeded::of(&e).is_some());
    }
}
