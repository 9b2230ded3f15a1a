//! Subcommands of the `ltvlab` binary that live in their own files. Like
//! `src/main.rs`, this is CLI code: it may touch files and argv; the library
//! under it stays pure.

pub mod analysis;
pub mod models;
pub mod recommend;
