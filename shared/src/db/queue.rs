//! The work queue between the async handlers and the database threads: first in, first out;
//! the threads sleep while it is empty and end once it is closed and drained.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

pub(super) struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

struct State<T> {
    items: VecDeque<T>,
    /// Threads asleep in `take`: a push wakes one only when there is one, so a busy pool pays no
    /// wake-up system call per request.
    sleeping: usize,
    closed: bool,
}

impl<T> Queue<T> {
    pub(super) fn new() -> Self {
        Self { state: Mutex::new(State { items: VecDeque::new(), sleeping: 0, closed: false }), ready: Condvar::new() }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Nothing runs user code under this lock, so a poisoned state is still consistent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn push(&self, item: T) {
        let mut state = self.lock();
        state.items.push_back(item);
        let wake = state.sleeping > 0;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// The oldest item, waiting for one if need be; `None` once the queue is closed and empty.
    pub(super) fn take(&self) -> Option<T> {
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
    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    pub(super) fn len(&self) -> usize {
        self.lock().items.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Queue;

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
}
