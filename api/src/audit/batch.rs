//! Group commit for the audit entries of reads that change nothing else (searches).
//!
//! Why: a search changes nothing, so its entry has no change to share a transaction with; it
//! used to be written in a transaction of its own, one commit (one fsync) per search. On
//! SQLite those commits also queue for the single write lock, and a writer that finds the
//! lock taken sleeps in SQLite's busy handler with growing back-off (up to 100 ms a time),
//! which under 32 concurrent searches gave p99 latencies of half a second.
//!
//! How: requests hand their entry to one writer task and wait. The writer takes everything
//! waiting, writes it as one atomic write (one statement on PostgreSQL, one transaction on
//! SQLite: [`store::insert_batch`]), and only then answers each request with
//! the outcome. While one batch commits the next one gathers, so under load one fsync covers
//! many searches and there is only ever one writer from this path (no lock contention among
//! searches); with a single request in flight it is simply one transaction, without waiting.
//!
//! The guarantee is unchanged: a search's results are returned only after its entry is
//! committed, durably (SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit` on: a
//! commit returns only once its log is flushed). [`AuditWriter::write`] returns `Ok` only when
//! the transaction holding the entry has committed; if the write or the commit fails, every
//! request in that batch gets the error and answers 503/500 instead of its results, and
//! nothing was disclosed. A crash between the read and the commit answers nothing at all.
//! Sharing a transaction with other searches' entries makes them all-or-nothing together,
//! which can only turn a success into a failure, never the reverse. If a batch fails for a
//! reason other than the database being unreachable, its entries are retried one by one, so
//! one bad entry cannot fail its neighbours. The writer outlives errors: the next batch opens
//! a fresh transaction (and the pool a fresh connection if the old one died).
//!
//! Changes (create, edit, end, delete) and record views keep writing their entry inside their
//! own transaction ([`super::write`]), as the issue asks.
//!
//! On SQLite the batches are committed to the queue file of [`super::queue`] rather than
//! to the register, and moved into `audit_log` every `S117_AUDIT_QUEUE_MOVE_MS`; whatever
//! reads the log calls [`AuditWriter::flush`] first.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::queue::Queue;
use super::{store, Entry};
use crate::db::{is_unavailable, Db};
use crate::error::ApiError;

/// Entries one transaction takes at most (a bound on how long one commit holds the lock).
const MAX_BATCH: usize = 256;
/// Requests that may wait for the writer before new ones wait to hand their entry over.
const QUEUE: usize = 4096;

/// Why an entry could not be written (a batch's error, shared by all its requests).
#[derive(Debug, Clone)]
pub enum WriteError {
    /// The database cannot be reached (→ 503).
    Unavailable,
    /// Anything else (→ 500); the message is logged, not shown.
    Failed(String),
    /// The writer has stopped (the server is shutting down).
    Stopped,
}

impl From<&sqlx::Error> for WriteError {
    fn from(e: &sqlx::Error) -> Self {
        if is_unavailable(e) {
            WriteError::Unavailable
        } else {
            WriteError::Failed(e.to_string())
        }
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Unavailable | WriteError::Stopped => ApiError::Unavailable(
                "The database cannot be reached. Try again in a moment.".into(),
            ),
            WriteError::Failed(message) => {
                ApiError::Internal(anyhow::anyhow!("audit entry not written: {message}"))
            }
        }
    }
}

struct Pending {
    entry: Entry,
    done: oneshot::Sender<Result<(), WriteError>>,
}

/// The handle requests use; cheap to clone. Dropping every handle stops the writer.
#[derive(Clone, Debug)]
pub struct AuditWriter {
    pending: mpsc::Sender<Pending>,
    /// On SQLite, the queue file the entries are committed to before they join the log.
    queue: Option<Arc<Queue>>,
}

impl AuditWriter {
    /// Starts the writer task on the current Tokio runtime: on a SQLite file, writing to
    /// its queue file, with a task moving the queue into the log every `move_every`.
    pub async fn spawn(db: Db, move_every: Duration) -> Result<AuditWriter, sqlx::Error> {
        let (pending, rx) = mpsc::channel(QUEUE);
        let queue = Queue::open(&db).await?.map(Arc::new);
        match &queue {
            Some(queue) => {
                tokio::spawn(run(queue.file(), rx));
                queue.move_periodically(move_every);
            }
            None => {
                tokio::spawn(run(db, rx));
            }
        }
        Ok(AuditWriter { pending, queue })
    }

    /// Makes every entry written so far visible in `audit_log` (on SQLite, moves the queue
    /// now); anything that reads the log calls this first.
    pub async fn flush(&self) -> Result<(), sqlx::Error> {
        match &self.queue {
            Some(queue) => queue.move_queued().await.map(|_| ()),
            None => Ok(()),
        }
    }

    /// Writes `entry` and returns once it is committed (or the reason it is not).
    pub async fn write(&self, entry: Entry) -> Result<(), WriteError> {
        let (done, outcome) = oneshot::channel();
        self.pending
            .send(Pending { entry, done })
            .await
            .map_err(|_| WriteError::Stopped)?;
        outcome.await.unwrap_or(Err(WriteError::Stopped))
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Pending>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let entries: Vec<&Entry> = batch.iter().map(|p| &p.entry).collect();
        match write_all(&db, &entries).await {
            Ok(()) => {
                for p in batch.drain(..) {
                    let _ = p.done.send(Ok(()));
                }
            }
            Err(e) if is_unavailable(&e) || batch.len() == 1 => {
                tracing::warn!(error = %e, entries = batch.len(), "audit entries not written");
                let err = WriteError::from(&e);
                for p in batch.drain(..) {
                    let _ = p.done.send(Err(err.clone()));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, entries = batch.len(), "audit batch failed; writing its entries one by one");
                for p in batch.drain(..) {
                    let outcome = write_all(&db, &[&p.entry])
                        .await
                        .map_err(|e| WriteError::from(&e));
                    let _ = p.done.send(outcome);
                }
            }
        }
    }
}

async fn write_all(db: &Db, entries: &[&Entry]) -> Result<(), sqlx::Error> {
    store::insert_batch(db, entries).await
}
