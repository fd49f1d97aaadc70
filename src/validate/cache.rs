//! A read-mostly map filled on first use, shared by the threads of a run.

use std::sync::{PoisonError, RwLock};

use rustc_hash::FxHashMap;

/// Values by text key. A value is computed outside the lock, so computing one may read the same cache (a plan
/// compiles its base types' plans); two threads missing at once compute it twice and keep the later.
#[derive(Debug)]
pub(crate) struct Cache<V>(RwLock<FxHashMap<String, V>>);

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
        {
            return v.clone();
        }
        let v = make();
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_string(), v.clone());
        v
    }
}
