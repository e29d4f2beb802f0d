//! Library part of the prototype Rust test shim: generated protobuf messages
//! and the hand-written ttrpc Task service.

#[allow(clippy::all, unused, non_camel_case_types, non_upper_case_globals)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/mod.rs"));
}

pub mod service;

pub const TASK_SERVICE: &str = "containerd.task.v2.Task";
