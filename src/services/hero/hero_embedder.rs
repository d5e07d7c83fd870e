//! `hero_embedder`: text embeddings for search (BGE models run with the ONNX runtime), with
//! an embedding cache database.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_books/issues/74> (the embedding
//! cache DB and its lock on unclean shutdown); <https://forge.ourworld.tf/lhumina_code/home/issues/50>
//! (`make runhero_embedder --start`); <https://forge.ourworld.tf/lhumina_code/hero_embedder_provider>
//! (the provider: BGE ONNX models through `ort`, RPCs `status`, `mem_info`, `ort_info`; a
//! separate gnu publish job for the ONNX-heavy services).
//!
//! The ONNX gap, honestly: the models run on the ONNX runtime (`libonnxruntime.so`), which
//! hero_svc does **not** install or check. A release binary that loads the runtime
//! dynamically needs it on the machine (the `ort` crate's dynamic loading reads
//! `ORT_DYLIB_PATH`, passed through from the env file when set); models are fetched by the
//! service itself on first start, so that start can be slow and needs the network. If the
//! runtime is missing, the start fails its health check and `hero_svc logs hero_embedder`
//! shows the loader's error. The earlier manager declared an `OnnxRuntime` extra that
//! nothing implemented; this file does not pretend either.
//! Graceful stop matters (the cache DB lock): the stop timeout is 30 s before SIGKILL.
//!
//! Unverified: the binary names (`hero_embedder_server`, `hero_embedder_admin`); whether
//! releases link the runtime statically; that `ORT_DYLIB_PATH` is what they read.

use std::time::Duration;

use super::support::{foundation, optional_env};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;

/// `hero_embedder`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroEmbedder;

impl Service for HeroEmbedder {
    fn name(&self) -> &str {
        "hero_embedder"
    }

    fn description(&self) -> &str {
        "text embeddings (ONNX runtime, installed separately) with an embedding cache"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_embedder")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_embedder_server"),
            Binary::admin("hero_embedder_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.extend(optional_env(ctx, &["ORT_DYLIB_PATH", "LD_LIBRARY_PATH"]));
        Ok(env)
    }

    /// The common shape, with time for the cache to close cleanly on stop.
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        Ok(hero_shape::processes(self, ctx)?
            .into_iter()
            .map(|p| {
                let signal = p.stop_signal;
                p.stop_with(signal, Duration::from_secs(30))
            })
            .collect())
    }
}
