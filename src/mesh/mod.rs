//! NHS MESH, the message transport of Send Document (`spec-digest.md` §9): the client of the MESH API
//! ([`client`]), its HMAC authorisation ([`auth`]), its errors as one sentence each ([`error`]), and the NHS MESH
//! sandbox run on loopback ([`sandbox`]).

pub mod auth;
pub mod client;
pub mod error;
pub mod sandbox;

pub use auth::Credentials;
pub use client::{MeshClient, Metadata, Outgoing, Received, Tracking};
pub use error::MeshError;
