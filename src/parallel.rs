//! Parallel runs with output in run order, whatever order the work finishes in.
//!
//! Runs are cut into tasks of consecutive runs; a window of tasks is computed in parallel
//! on a rayon pool, each task writing its runs' output into its own buffer, then the
//! buffers are handed on in task order. Each run's output depends on its seed alone
//! (see [`crate::draws`]), and the buffers are concatenated in run order, so the bytes are
//! the same for 1 thread and for N. Memory is bounded by one window of buffers — set by the
//! task and window sizes, never by the number of runs; `simulate` caps each buffer's
//! in-memory part too (a task's output beyond 2 MiB goes to an unnamed temporary file), so
//! the window does not grow with the steps either. `THREADS_MAX` bounds the threads.

use std::ops::RangeInclusive;

use rayon::prelude::*;

/// The most worker threads any command accepts (`--threads`, a sweep's `threads`).
///
/// Every in-flight cost of the CLI is per thread — a window of four task buffers
/// (`simulate`: at most 2 MiB each in memory) and one run's history (the exact engine: at
/// most 25 bytes a step, 25 MB at [`crate::params::STEPS_MAX`]) — so the thread count is
/// what the memory budget multiplies (ARCHITECTURE.md, "Memory budgets"). 64 covers the
/// core counts of common servers; at 64 threads the worst case (`simulate --rng numpy
/// --steps 1000000`) stays near 2.2 GB, where 1,024 threads would allow 34 GB.
pub(crate) const THREADS_MAX: u64 = 64;

/// A pool of `n_threads` workers (at least one) for [`ordered_tasks`] and [`ordered_runs`].
pub(crate) fn pool(n_threads: usize) -> std::io::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n_threads.max(1))
        .build()
        .map_err(std::io::Error::other)
}

/// How runs are cut into tasks and windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunking {
    /// Consecutive runs per task (at least 1).
    pub runs_per_task: u64,
    /// Tasks computed before their output is handed on (at least 1).
    pub tasks_per_window: usize,
}

impl Chunking {
    /// Tasks of about `steps_per_task` steps (at least one run each) and a window of four
    /// tasks per thread: enough slack to balance uneven tasks, little enough memory.
    pub fn for_steps(n_steps: u64, steps_per_task: u64, n_threads: usize) -> Self {
        Chunking {
            runs_per_task: (steps_per_task / (n_steps + 1)).max(1),
            tasks_per_window: 4 * n_threads.max(1),
        }
    }

    /// The same, with tasks of whole blocks of `lanes` runs (the last task may be short):
    /// for work stepped in lanes, where a task of fewer runs than lanes leaves lanes idle.
    pub fn in_blocks_of(self, lanes: u64) -> Self {
        Chunking {
            runs_per_task: self.runs_per_task.next_multiple_of(lanes.max(1)),
            ..self
        }
    }
}

/// Runs `produce` on every task of runs `1..=n_runs` in parallel on `pool` and hands each
/// task's buffer to `consume` in run order. Stops at the first error, in run order.
pub fn ordered_runs<E: Send>(
    pool: &rayon::ThreadPool,
    n_runs: u64,
    chunking: Chunking,
    produce: impl Fn(RangeInclusive<u64>, &mut Vec<u8>) -> Result<(), E> + Sync,
    mut consume: impl FnMut(&[u8], u64) -> Result<(), E>,
) -> Result<(), E> {
    ordered_tasks(
        pool,
        n_runs,
        chunking,
        |runs| {
            let mut buf = Vec::new();
            produce(runs, &mut buf).map(|()| buf)
        },
        |buf, runs| consume(&buf, runs.end() - runs.start() + 1),
    )
}

/// The executor under [`ordered_runs`], for any task output: runs `produce` on every task
/// of items `1..=n_items` in parallel on `pool` (a window of tasks at a time) and hands
/// each task's output, with its items, to `consume` in item order. Stops at the first
/// error, in item order. What `consume` sees does not depend on the number of threads
/// when `produce`'s output depends on its items alone.
pub fn ordered_tasks<T: Send, E: Send>(
    pool: &rayon::ThreadPool,
    n_items: u64,
    chunking: Chunking,
    produce: impl Fn(RangeInclusive<u64>) -> Result<T, E> + Sync,
    mut consume: impl FnMut(T, RangeInclusive<u64>) -> Result<(), E>,
) -> Result<(), E> {
    let per_task = chunking.runs_per_task.max(1);
    let per_window = per_task.saturating_mul(chunking.tasks_per_window.max(1) as u64);
    let mut first = 1u64;
    while first <= n_items {
        let last = first.saturating_add(per_window - 1).min(n_items);
        let tasks: Vec<RangeInclusive<u64>> = (first..=last)
            .step_by(per_task as usize)
            .map(|a| a..=a.saturating_add(per_task - 1).min(last))
            .collect();
        // `collect` on an indexed parallel iterator keeps the input order.
        let outputs: Vec<Result<T, E>> = pool.install(|| {
            tasks
                .par_iter()
                .map(|items| produce(items.clone()))
                .collect()
        });
        for (items, out) in tasks.into_iter().zip(outputs) {
            consume(out?, items)?;
        }
        first = last + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_in_blocks_hold_whole_blocks_of_lanes() {
        // 16,384 steps a task: 44 runs of 365 steps (48 in blocks of 16), one run of a
        // long run (16 in blocks, never an idle lane), and 16 stays 16.
        let cases = [
            (365, 44, 48),
            (100_000, 1, 16),
            (1_023, 16, 16),
            (0, 16_384, 16_384),
        ];
        for (steps, plain, blocks) in cases {
            let c = Chunking::for_steps(steps, 1 << 14, 2);
            assert_eq!(c.runs_per_task, plain, "{steps} steps");
            let b = c.in_blocks_of(16);
            assert_eq!(
                (b.runs_per_task, b.tasks_per_window),
                (blocks, 8),
                "{steps} steps"
            );
        }
    }
}
