//! Access Record Structured 1.6.2 in the reference provider.
//!
//! - [`params`]: the `$gpc.getstructuredrecord` Parameters, read and checked.

pub mod params;
