//! How long a client waits for a reply, as Maelstrom's clients do: the default RPC
//! timeout is 5 s; only lin-kv's client uses max(1 s, 10 × the mean latency).

use super::WorkloadKind;

/// Maelstrom's default client RPC timeout, µs.
pub const DEFAULT_TIMEOUT: u64 = 5_000_000;

/// The client timeout (µs) for `workload` when node-to-node messages take
/// `mean_latency` µs on average.
pub fn client_timeout(workload: WorkloadKind, mean_latency: u64) -> u64 {
    match workload {
        WorkloadKind::LinKv => (10 * mean_latency).max(1_000_000),
        _ => DEFAULT_TIMEOUT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lin_kv_scales_with_latency_and_the_rest_wait_five_seconds() {
        assert_eq!(client_timeout(WorkloadKind::LinKv, 0), 1_000_000);
        assert_eq!(client_timeout(WorkloadKind::LinKv, 300_000), 3_000_000);
        assert_eq!(
            client_timeout(WorkloadKind::TxnListAppend, 300_000),
            5_000_000
        );
        assert_eq!(client_timeout(WorkloadKind::LwwKv, 0), 5_000_000);
    }
}
