//! The harness's postbox: it collects every message arriving in the mailboxes the harness watches (its own, and
//! on the sandbox the routing addresses it plays the registered practice for), in arrival order, and lets each
//! scenario wait for the one it expects. It looks into MESH only while a scenario is waiting.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::mesh::{MeshClient, Received};

/// A message the harness collected.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Arrival order across the watched mailboxes.
    pub seq: usize,
    pub mailbox: String,
    pub received: Received,
}

#[derive(Debug, Default)]
struct Shared {
    deliveries: Mutex<Vec<Delivery>>,
    /// MESH errors of the last look (one sentence each), for a scenario that waits in vain.
    last_error: Mutex<Option<String>>,
    arrived: Notify,
    wanted: Notify,
    waiters: AtomicUsize,
}

/// The collector of the watched mailboxes; it stops when dropped.
#[derive(Debug)]
pub struct Postbox {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Postbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Waiting<'a>(&'a Shared);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Postbox {
    /// Watches `mailboxes` every `poll` while someone waits.
    pub fn spawn(mailboxes: Vec<Arc<MeshClient>>, poll: Duration) -> Self {
        let shared = Arc::new(Shared::default());
        let task = {
            let shared = shared.clone();
            tokio::spawn(async move {
                loop {
                    if shared.waiters.load(Ordering::SeqCst) == 0 {
                        let _ = tokio::time::timeout(poll * 10, shared.wanted.notified()).await;
                        continue;
                    }
                    for mesh in &mailboxes {
                        collect(&shared, mesh).await;
                    }
                    tokio::time::sleep(poll).await;
                }
            })
        };
        Self { shared, task }
    }

    /// The number of messages collected so far (a later delivery has a `seq` at least this).
    pub fn mark(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
        self.shared
            .deliveries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every delivery so far that `matches`.
    pub fn all(&self, matches: impl Fn(&Delivery) -> bool) -> Vec<Delivery> {
        self.lock().iter().filter(|d| matches(d)).cloned().collect()
    }

    /// Waits up to `limit` for a delivery that `matches`; `Err` says what MESH last answered if anything failed.
    pub async fn wait(
        &self,
        limit: Duration,
        matches: impl Fn(&Delivery) -> bool,
    ) -> Result<Delivery, Option<String>> {
        self.shared.waiters.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.shared);
        self.shared.wanted.notify_one();
        let deadline = Instant::now() + limit;
        loop {
            let arrived = self.shared.arrived.notified();
            if let Some(d) = self.lock().iter().find(|d| matches(d)) {
                return Ok(d.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let error = self
                    .shared
                    .last_error
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                return Err(error);
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(500)), arrived).await;
        }
    }
}

async fn collect(shared: &Shared, mesh: &MeshClient) {
    let note = |e: Option<String>| {
        *shared
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = e;
    };
    let ids = match mesh.inbox().await {
        Ok(ids) => ids,
        Err(e) => {
            note(Some(e.to_string()));
            return;
        }
    };
    for id in ids {
        match mesh.download(&id).await {
            Ok(received) => {
                let _ = mesh.acknowledge(&id).await;
                let mut all = shared
                    .deliveries
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if all.iter().any(|d| d.received.metadata.message_id == id) {
                    continue;
                }
                let seq = all.len();
                all.push(Delivery {
                    seq,
                    mailbox: mesh.mailbox().to_string(),
                    received,
                });
                drop(all);
                shared.arrived.notify_waiters();
            }
            Err(e) => note(Some(e.to_string())),
        }
    }
}
