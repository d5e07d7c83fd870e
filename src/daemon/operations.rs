//! Starting an operation: the one path from a request (CLI, RPC, the dashboard) to a run.
//!
//! [`Daemon::start_operation`] plans the operation on its catalog, scopes the run to the
//! services it touches (their locks for operations that change them, the run recorded as
//! it starts, an upgrade's promise recorded until it ends) and starts it.

use std::sync::Arc;

use super::{Daemon, Execution, RunScope};
use crate::services::{
    Operation, OperationError, OperationRequest, PlannedOperation, ServiceContext, plan_operation,
};
use crate::state::PendingUpgrade;

/// A started operation.
pub struct StartedOperation {
    /// Its run.
    pub execution: Arc<Execution>,
    /// The services it touches, in dependency order.
    pub services: Vec<String>,
}

impl Daemon {
    /// Plans `request` on catalog `catalog` (the default one when `None`) in `ctx` and
    /// starts it in the background. Nothing runs when planning fails.
    pub fn start_operation(
        &self,
        catalog: Option<&str>,
        ctx: &ServiceContext,
        request: &OperationRequest,
    ) -> Result<StartedOperation, OperationError> {
        let catalog = self.catalog(catalog)?;
        let PlannedOperation {
            plan,
            services,
            inputs,
        } = plan_operation(catalog, ctx, request)?;
        let operation = request.operation;
        let pending_upgrades = if operation == Operation::Upgrade {
            services
                .iter()
                .filter_map(|name| catalog.get(name).ok())
                .map(|svc| PendingUpgrade {
                    service: svc.name().to_string(),
                    catalog: catalog.name().to_string(),
                    run_id: String::new(),
                    before: svc
                        .binaries()
                        .into_iter()
                        .map(|b| {
                            let sha = self.store().installed(&b.name).ok().flatten();
                            (b.name, sha.map(|r| r.sha256))
                        })
                        .collect(),
                })
                .collect()
        } else {
            Vec::new()
        };
        if operation.is_mutating() {
            self.interruptions().touch(&services);
        }
        let scope = RunScope {
            catalog: catalog.name().to_string(),
            services: services.clone(),
            locks: operation.is_mutating().then(|| self.locks().clone()),
            pending_upgrades,
            inputs,
        };
        let execution = self.executions().start_on(
            self.executor(),
            plan,
            operation.as_str(),
            Some(scope),
            None,
        );
        Ok(StartedOperation {
            execution,
            services,
        })
    }
}
