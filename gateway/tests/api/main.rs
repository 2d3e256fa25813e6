//! The whole system through the gateway: both services and the gateway in-process, one fresh
//! database per test.

mod docs;
mod flow;
mod hardening;
mod helpers;
mod replicas;
mod surface;
mod traces;
mod upstreams;
