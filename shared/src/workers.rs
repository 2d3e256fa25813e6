//! A fixed set of named OS threads for blocking work (Diesel queries, argon2 hashes), fed by a
//! first-in, first-out queue. Handlers await the answer, so an Actix worker never blocks, and no
//! more threads exist than the work can use: a request beyond them waits in the queue, not on a
//! thread of its own.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::error::ApiError;
use crate::logging::Context;

type Job = Box<dyn FnOnce() + Send>;

/// The threads and their queue; clones share them. The threads end when the last clone is dropped.
#[derive(Clone)]
pub struct Workers {
    jobs: Arc<Jobs>,
}

impl Workers {
    /// Starts `threads` threads named `{name}-{n}`; each runs `start` once (to set its priority,
    /// say) and then takes work.
    pub fn new(name: &str, threads: usize, start: fn()) -> Self {
        let queue = Arc::new(Queue::new());
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || {
                    start();
                    while let Some(job) = queue.take() {
                        // A panic fails the request whose work it was (its answer is dropped), not the thread.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                    }
                })
                .expect("the OS starts a worker thread");
        }
        Self { jobs: Arc::new(Jobs(queue)) }
    }

    /// Runs `work` on one of the threads and returns its result; a 500 if it panicked. Work whose
    /// caller stopped waiting before a thread took it (the request's future was dropped: the
    /// client went away, a timeout fired) is skipped.
    /// The work runs in the caller's log context, so its lines carry the request's id and user.
    pub async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let context = Context::current();
        self.jobs.0.push(Box::new(move || {
            if !reply.is_closed() {
                let _entered = context.map(Context::enter);
                let _ = reply.send(work());
            }
        }));
        answer.await.map_err(|_| ApiError::internal("work on a worker thread panicked"))
    }

    /// [`run`](Self::run), unless no thread has started the work by `deadline`: then `None` at
    /// the deadline, and the work never runs (one atomic step decides which of the two happens,
    /// so a write the caller gave up on cannot commit behind its back). Once started, the work
    /// runs to its end, however long it takes.
    pub async fn run_started_by<T: Send + 'static>(
        &self,
        deadline: std::time::Instant,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<Result<T, ApiError>> {
        use std::sync::atomic::{AtomicU8, Ordering};
        const QUEUED: u8 = 0;
        const STARTED: u8 = 1;
        const ABANDONED: u8 = 2;
        let state = Arc::new(AtomicU8::new(QUEUED));
        let claim = state.clone();
        let answer = self.run(move || {
            claim.compare_exchange(QUEUED, STARTED, Ordering::AcqRel, Ordering::Acquire).is_ok().then(work)
        });
        let mut answer = std::pin::pin!(answer);
        let late = tokio::time::sleep_until(deadline.into());
        match futures_util::future::select(answer.as_mut(), std::pin::pin!(late)).await {
            futures_util::future::Either::Left((result, _)) => Some(result.and_then(|done| done.ok_or_else(skipped))),
            futures_util::future::Either::Right(_) => {
                if state.compare_exchange(QUEUED, ABANDONED, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                    return None;
                }
                Some(answer.await.and_then(|done| done.ok_or_else(skipped)))
            }
        }
    }

    /// Work waiting for a free thread.
    pub fn queued(&self) -> usize {
        self.jobs.0.len()
    }
}

fn skipped() -> ApiError {
    ApiError::internal("work was skipped although its caller waited")
}

/// The callers' end of the queue: dropping it closes the queue, and the threads end.
struct Jobs(Arc<Queue<Job>>);

impl Drop for Jobs {
    fn drop(&mut self) {
        self.0.close();
    }
}

struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    /// Threads asleep in `take`: a push wakes one only when there is one, so a busy pool pays no
    /// wake-up system call per item.
    sleeping: usize,
    closed: bool,
}

impl<T> Queue<T> {
    fn new() -> Self {
        Self { state: Mutex::new(State { items: VecDeque::new(), sleeping: 0, closed: false }), ready: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // No code that can panic runs under this lock, so a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, item: T) {
        let mut state = self.lock();
        state.items.push_back(item);
        let wake = state.sleeping > 0;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// The oldest item, waiting for one if need be; `None` once the queue is closed and empty.
    fn take(&self) -> Option<T> {
        let mut state = self.lock();
        loop {
            if let Some(item) = state.items.pop_front() {
                return Some(item);
            }
            if state.closed {
                return None;
            }
            state.sleeping += 1;
            state = self.ready.wait(state).unwrap_or_else(PoisonError::into_inner);
            state.sleeping -= 1;
        }
    }

    /// Lets the takers drain what is queued and then end.
    fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    fn len(&self) -> usize {
        self.lock().items.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    use futures_util::FutureExt;

    use super::*;

    fn block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(future)
    }

    #[test]
    fn items_come_out_in_order_and_close_drains_first() {
        let queue = Queue::new();
        (1..=3).for_each(|n| queue.push(n));
        queue.close();
        assert_eq!(queue.len(), 3);
        assert_eq!([queue.take(), queue.take(), queue.take(), queue.take()], [Some(1), Some(2), Some(3), None]);
    }

    #[test]
    fn sleeping_takers_are_woken_by_push_and_by_close() {
        let queue = Arc::new(Queue::new());
        let takers: Vec<_> = (0..4)
            .map(|_| {
                let queue = queue.clone();
                std::thread::spawn(move || std::iter::from_fn(|| queue.take()).collect::<Vec<u32>>())
            })
            .collect();
        while queue.lock().sleeping < 4 {
            std::thread::yield_now();
        }
        (0..100).for_each(|n| queue.push(n));
        queue.close();
        let mut taken: Vec<u32> = takers.into_iter().flat_map(|t| t.join().unwrap()).collect();
        taken.sort_unstable();
        assert_eq!(taken, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn work_runs_on_a_named_thread_and_returns_its_result() {
        let workers = Workers::new("test", 2, || {});
        let name = block_on(workers.run(|| std::thread::current().name().map(str::to_owned))).unwrap();
        assert!(matches!(name.as_deref(), Some("test-0" | "test-1")), "{name:?}");
    }

    #[test]
    fn work_no_thread_started_by_its_deadline_is_given_up_and_never_runs() {
        let workers = Workers::new("test", 1, || {});
        let (release, wait_release) = mpsc::channel::<()>();
        let mut busy = Box::pin(workers.run(move || {
            let _ = wait_release.recv();
        }));
        assert!(busy.as_mut().now_or_never().is_none());
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let late = runtime.block_on(workers.run_started_by(deadline, move || flag.store(true, Ordering::SeqCst)));
        assert!(late.is_none(), "given up at the deadline");
        release.send(()).unwrap();
        block_on(busy).unwrap();
        block_on(workers.run(|| ())).unwrap();
        assert!(!ran.load(Ordering::SeqCst), "work given up on never runs");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        assert_eq!(runtime.block_on(workers.run_started_by(deadline, || 7)).unwrap().unwrap(), 7);
    }

    #[test]
    fn work_runs_in_its_callers_log_context() {
        let workers = Workers::new("test", 1, || {});
        let scope = crate::logging::RequestScope::new(Some("svc"), "req-7".into());
        let seen = block_on(scope.run(async {
            crate::logging::set_user(5);
            workers.run(|| Context::current().map(|c| (c.request_id.to_string(), c.user_id))).await
        }));
        assert_eq!(seen.unwrap(), Some(("req-7".to_owned(), Some(5))));
        assert!(block_on(workers.run(Context::current)).unwrap().is_none(), "no context left on the thread");
    }

    #[test]
    fn a_panic_fails_its_own_work_and_the_thread_takes_the_next() {
        let workers = Workers::new("test", 1, || {});
        assert!(matches!(
            block_on(workers.run(|| panic!("a bug in one request"))),
            Err::<(), _>(ApiError::Internal(_))
        ));
        assert_eq!(block_on(workers.run(|| 7)).unwrap(), 7);
    }

    #[test]
    fn work_whose_caller_stopped_waiting_is_skipped() {
        let workers = Workers::new("test", 1, || {});
        // Keep the only thread busy until told otherwise.
        let (started, wait_started) = mpsc::channel();
        let (release, wait_release) = mpsc::channel::<()>();
        let mut busy = Box::pin(workers.run(move || {
            started.send(()).unwrap();
            let _ = wait_release.recv();
        }));
        assert!(busy.as_mut().now_or_never().is_none());
        wait_started.recv().unwrap();

        // Queued behind it, then abandoned (a client that hung up): its future is dropped.
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        assert!(workers.run(move || flag.store(true, Ordering::SeqCst)).now_or_never().is_none());
        assert_eq!(workers.queued(), 1);

        release.send(()).unwrap();
        block_on(busy).unwrap();
        block_on(workers.run(|| ())).unwrap(); // queued after the abandoned work: it has been passed
        assert!(!ran.load(Ordering::SeqCst), "the abandoned work ran");
    }
}
