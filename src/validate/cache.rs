//! A read-mostly map filled on first use, shared by the threads of a run.

use std::sync::{OnceLock, PoisonError, RwLock};

use rustc_hash::FxHashMap;

/// Values by text key, each computed once: a thread that asks for a value another thread is computing waits
/// for it instead of computing it again (at the start of a parallel batch every thread wants the same plans).
/// A value is computed outside the map's lock, so computing one may read the same cache for other keys (a plan
/// compiles its base types' plans).
///
/// Values are never removed or moved: each has a slot, a number that finds it again without the key or the
/// lock, and a value is lent for as long as the cache lives (no reference count is touched per use, so the
/// threads of a batch do not contend for one).
#[derive(Debug)]
pub(crate) struct Cache<V> {
    slots: RwLock<FxHashMap<String, usize>>,
    cells: boxcar::Vec<OnceLock<V>>,
}

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Self {
            slots: RwLock::default(),
            cells: boxcar::Vec::new(),
        }
    }
}

impl<V> Cache<V> {
    /// The value of `key`, computed by `make` if no thread has computed it.
    pub(crate) fn get_or_insert_with(&self, key: &str, make: impl FnOnce() -> V) -> &V {
        self.cell(self.slot(key)).get_or_init(make)
    }

    /// The slot of `key` (a new, empty one for a key not seen before).
    pub(crate) fn slot(&self, key: &str) -> usize {
        if let Some(&slot) = self
            .slots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
        {
            return slot;
        }
        let mut slots = self.slots.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&slot) = slots.get(key) {
            return slot;
        }
        let slot = self.cells.push(OnceLock::new());
        slots.insert(key.to_string(), slot);
        slot
    }

    /// The value in `slot`, once computed.
    pub(crate) fn at(&self, slot: usize) -> Option<&V> {
        self.cells.get(slot).and_then(OnceLock::get)
    }

    fn cell(&self, slot: usize) -> &OnceLock<V> {
        &self.cells[slot]
    }
}
