//! Raft timing and flow-control settings, with validation.

/// Settings of one Raft peer. Times are in microseconds of whatever clock drives the
/// core (the wall clock in the binary, a virtual clock in the simulator).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Election timeouts are drawn uniformly from `[election_timeout, 2 × election_timeout)`.
    /// CheckQuorum uses `election_timeout` too: a leader that has not heard from a
    /// majority for that long steps down, and a follower that heard from a leader
    /// within it refuses (pre-)votes. Must exceed a few heartbeat intervals.
    pub election_timeout: u64,
    /// How often a leader sends heartbeats. Must be well below `election_timeout`.
    pub heartbeat_interval: u64,
    /// Most entries in one AppendEntries.
    pub max_entries_per_message: usize,
    /// Most bytes of entry data in one AppendEntries (the first entry always goes).
    pub max_bytes_per_message: usize,
    /// Most unacknowledged AppendEntries per follower while streaming. Small on
    /// purpose: entries proposed while the window is full wait and go out together
    /// (batching under load), and a slow or cut-off follower costs the leader at
    /// most this many messages' worth of buffering.
    pub max_inflight: usize,
    /// Run a PreVote round before a real election (Ongaro §9.6).
    pub pre_vote: bool,
    /// Leaders step down without a majority, and followers in contact with a leader
    /// refuse votes (Ongaro §6.2, §9.6).
    pub check_quorum: bool,
    /// Mutation (tests only): answer ReadIndex reads without confirming leadership.
    #[cfg(feature = "mutations")]
    pub skip_read_confirmation: bool,
    /// Mutation (tests only): a follower installing a snapshot discards its whole
    /// log even when it holds the snapshot's last entry (Figure 13, rule 6 broken).
    #[cfg(feature = "mutations")]
    pub discard_log_on_snapshot: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            election_timeout: 600_000,
            heartbeat_interval: 100_000,
            max_entries_per_message: 256,
            max_bytes_per_message: 64 * 1024,
            max_inflight: 2,
            pre_vote: true,
            check_quorum: true,
            #[cfg(feature = "mutations")]
            skip_read_confirmation: false,
            #[cfg(feature = "mutations")]
            discard_log_on_snapshot: false,
        }
    }
}

/// The longest time any setting may be, in µs (one day): deadlines are the current
/// time plus a setting (twice the election timeout at most), and must not overflow.
pub const MAX_TIME: u64 = 86_400_000_000;

impl Config {
    /// Checks the settings work together: a non-empty election timeout range
    /// within [`MAX_TIME`], a heartbeat interval of at most half the election
    /// timeout, positive message and in-flight bounds.
    pub fn validate(&self) -> Result<(), String> {
        if self.election_timeout == 0 || self.election_timeout > MAX_TIME {
            return Err(format!(
                "election timeout ({} µs) must be positive and at most {MAX_TIME} µs",
                self.election_timeout
            ));
        }
        if self.heartbeat_interval == 0 {
            return Err("heartbeat interval must be positive".into());
        }
        if self.heartbeat_interval > self.election_timeout / 2 {
            return Err(format!(
                "election timeout ({} µs) must be at least twice the heartbeat interval ({} µs)",
                self.election_timeout, self.heartbeat_interval
            ));
        }
        if self.max_entries_per_message == 0
            || self.max_inflight == 0
            || self.max_bytes_per_message == 0
        {
            return Err("message and in-flight bounds must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_refuses_empty_ranges_and_overflowing_times() {
        let with = |election_timeout, heartbeat_interval| Config {
            election_timeout,
            heartbeat_interval,
            ..Config::default()
        };
        assert!(with(600_000, 100_000).validate().is_ok());
        assert!(with(MAX_TIME, MAX_TIME / 2).validate().is_ok());
        assert!(with(0, 0).validate().is_err(), "empty timeout range");
        assert!(with(1, 0).validate().is_err(), "no heartbeat");
        assert!(with(3, 2).validate().is_err(), "heartbeat above half");
        assert!(with(MAX_TIME + 1, 1).validate().is_err(), "too long");
        assert!(with(u64::MAX, u64::MAX / 2).validate().is_err());
    }
}
