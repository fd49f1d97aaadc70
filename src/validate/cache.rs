//! A read-mostly map filled on first use, shared by the threads of a run.

use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use rustc_hash::FxHashMap;

/// Values by text key, each computed once: a thread that asks for a value another thread is computing waits
/// for it instead of computing it again (at the start of a parallel batch every thread wants the same plans).
/// A value is computed outside the map's lock, so computing one may read the same cache for other keys (a plan
/// compiles its base types' plans).
#[derive(Debug)]
pub(crate) struct Cache<V>(RwLock<FxHashMap<String, Arc<OnceLock<V>>>>);

impl<V> Default for Cache<V> {
    fn default() -> Self {
        Self(RwLock::default())
    }
}

impl<V: Clone> Cache<V> {
    pub(crate) fn get_or_insert_with(&self, key: &str, make: impl FnOnce() -> V) -> V {
        if let Some(v) = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .and_then(|cell| cell.get())
        {
            return v.clone();
        }
        let cell = self
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.to_string())
            .or_default()
            .clone();
        cell.get_or_init(make).clone()
    }
}
