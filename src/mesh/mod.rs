//! NHS MESH, the message transport of Send Document (`spec-digest.md` §9): the client of the MESH API
//! ([`client`]), what a MESH server answers read without trusting it ([`answer`]), its HMAC authorisation ([`auth`]), its errors as one sentence each ([`error`]), and the NHS MESH
//! sandbox run on loopback ([`sandbox`]).

pub mod answer;
pub mod auth;
pub mod client;
pub mod error;
pub mod sandbox;

pub use answer::{Metadata, Tracking};
pub use auth::Credentials;
pub use client::{MeshClient, Outgoing, Received};
pub use error::MeshError;
