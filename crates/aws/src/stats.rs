//! API-call statistics, measured by an SDK interceptor on every client: calls
//! (operations) and attempts per service and operation, so retries are visible.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

pub use flowaudit_core::stats::{ApiStats as StatsSnapshot, OpCount};

#[derive(Debug, Default)]
struct Inner {
    /// scope (region name or `global`) → `service:Operation` → counts.
    ops: BTreeMap<String, BTreeMap<String, OpCount>>,
    wall: BTreeMap<String, Duration>,
}

/// Shared statistics of one scan.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    inner: Arc<Mutex<Inner>>,
}

impl Stats {
    /// An interceptor that records into these statistics under `scope`.
    pub fn interceptor(&self, scope: &str) -> CallCounter {
        CallCounter {
            stats: self.clone(),
            scope: scope.to_string(),
        }
    }

    fn record(&self, scope: &str, cfg: &ConfigBag, field: fn(&mut OpCount)) {
        let name = match cfg.load::<Metadata>() {
            Some(m) => format!("{}:{}", m.service(), m.name()),
            None => "unknown:unknown".to_string(),
        };
        if let Ok(mut inner) = self.inner.lock() {
            let entry = inner
                .ops
                .entry(scope.to_string())
                .or_default()
                .entry(name)
                .or_default();
            field(entry);
        }
    }

    /// Records how long reading a region took.
    pub fn record_wall(&self, scope: &str, elapsed: Duration) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.wall.insert(scope.to_string(), elapsed);
        }
    }

    /// A copy of the counts so far.
    pub fn snapshot(&self, wall: Duration) -> StatsSnapshot {
        let Ok(inner) = self.inner.lock() else {
            return StatsSnapshot::default();
        };
        let mut snap = StatsSnapshot {
            by_scope: inner.ops.clone(),
            region_wall_ms: inner
                .wall
                .iter()
                .map(|(k, v)| (k.clone(), u64::try_from(v.as_millis()).unwrap_or(u64::MAX)))
                .collect(),
            wall_ms: u64::try_from(wall.as_millis()).unwrap_or(u64::MAX),
            ..StatsSnapshot::default()
        };
        for (scope, ops) in &inner.ops {
            let mut scope_calls = 0;
            for (op, count) in ops {
                let total = snap.calls.entry(op.clone()).or_default();
                total.calls += count.calls;
                total.attempts += count.attempts;
                scope_calls += count.calls;
                snap.total_calls += count.calls;
                snap.total_retries += count.attempts.saturating_sub(count.calls);
            }
            snap.calls_by_scope.insert(scope.clone(), scope_calls);
        }
        snap
    }
}

/// The SDK interceptor behind [`Stats`].
#[derive(Debug, Clone)]
pub struct CallCounter {
    stats: Stats,
    scope: String,
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "flowaudit-call-counter"
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The operation's metadata is in the bag by now (it is not yet before
        // serialisation), so calls are counted when they finish.
        self.stats.record(&self.scope, cfg, |c| c.calls += 1);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.stats.record(&self.scope, cfg, |c| c.attempts += 1);
        Ok(())
    }
}
