//! `--concurrency`, Maelstrom's way: how many client workers a test runs. Shared by
//! `raft-kv test` and `raft-kv sim` / `soak`, so both read the flag alike.

/// `--concurrency`: a fixed number of clients or a multiple of the node count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concurrency {
    /// Exactly this many clients (at least 1).
    Fixed(usize),
    /// This many clients per node (`Nn`, at least 1).
    PerNode(usize),
}

impl Concurrency {
    /// The number of clients for `nodes` nodes (at least 1).
    pub fn resolve(self, nodes: usize) -> usize {
        match self {
            Concurrency::Fixed(n) => n.max(1),
            Concurrency::PerNode(n) => n.saturating_mul(nodes).max(1),
        }
    }
}

/// Parses `--concurrency` as Maelstrom does: an integer such as `10`, or `Nn` for
/// N × the node count (`2n`; a bare `n` is `1n`). Zero clients, `0` or `0n`, is an
/// error, as is anything else.
pub fn parse_concurrency(s: &str) -> Result<Concurrency, String> {
    let (digits, per_node) = match s.strip_suffix('n') {
        Some("") => ("1", true),
        Some(n) => (n, true),
        None => (s, false),
    };
    let n: usize = digits.parse().map_err(|_| {
        format!("{s:?} is not a number of clients or Nn (N × the node count), e.g. 10 or 2n")
    })?;
    if n == 0 {
        return Err(format!(
            "{s:?} means no clients: concurrency must be at least 1 (or Nn with N >= 1)"
        ));
    }
    Ok(if per_node {
        Concurrency::PerNode(n)
    } else {
        Concurrency::Fixed(n)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_multiples_of_the_node_count() {
        assert_eq!(parse_concurrency("4"), Ok(Concurrency::Fixed(4)));
        assert_eq!(parse_concurrency("2n"), Ok(Concurrency::PerNode(2)));
        assert_eq!(parse_concurrency("1n"), Ok(Concurrency::PerNode(1)));
        assert_eq!(Concurrency::Fixed(4).resolve(5), 4);
        assert_eq!(Concurrency::PerNode(4).resolve(5), 20);
        assert_eq!(Concurrency::PerNode(1).resolve(3), 3);
    }

    #[test]
    fn bare_n_is_one_per_node() {
        assert_eq!(parse_concurrency("n"), Ok(Concurrency::PerNode(1)));
        assert_eq!(parse_concurrency("n").unwrap().resolve(5), 5);
    }

    #[test]
    fn zero_clients_is_an_error() {
        for s in ["0", "0n", "00"] {
            let e = parse_concurrency(s).unwrap_err();
            assert!(e.contains("at least 1"), "{s}: {e}");
        }
    }

    #[test]
    fn malformed_is_an_error() {
        for s in ["", "xn", "-1", "2.5", "n2", "2nn", " 2", "2 n"] {
            assert!(parse_concurrency(s).is_err(), "{s:?} parsed");
        }
    }
}
