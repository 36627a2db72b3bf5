//! Host name lookups for the HTTP client, asked again when an answer is late.
//!
//! The system resolver (`getaddrinfo`) waits out its whole timeout, 5 s by default, when a
//! query or its answer is lost, and some networks lose a few: in the sandbox the benchmarks
//! run in, one cold run in several stalled for 5.0 s, every first request to a host waiting
//! on the same lookup. An index answers in milliseconds, so that stall was most of such a
//! run. A lookup that has not answered after [`AGAIN_AFTER`] is asked again alongside the
//! first (new queries, which are usually answered at once), and so on a few times; the first
//! answer wins, and the late ones are left to finish on their own.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::time::Duration;

use tokio::task::JoinSet;

/// When to ask again, each counted from the previous ask. A lookup normally answers in
/// milliseconds; the first ask again comes well before the resolver's own retry.
const AGAIN_AFTER: [Duration; 3] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
];

/// The resolver handed to reqwest: the system's, asked again when late.
#[derive(Debug, Default)]
pub(crate) struct HedgedResolver;

impl reqwest::dns::Resolve for HedgedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            // Port 0: the connector sets the request's port on every address.
            let lookup = move || {
                (host.as_str(), 0)
                    .to_socket_addrs()
                    .map(Iterator::collect::<Vec<SocketAddr>>)
            };
            let addresses = first_answer(lookup, &AGAIN_AFTER).await?;
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Runs `lookup` on a blocking thread, again after each of `delays` while no run has
/// answered, and returns the first answer (an error included: it is the resolver's answer).
async fn first_answer<T: Send + 'static>(
    lookup: impl Fn() -> io::Result<T> + Clone + Send + 'static,
    delays: &[Duration],
) -> io::Result<T> {
    let mut lookups = JoinSet::new();
    lookups.spawn_blocking(lookup.clone());
    let mut delays = delays.iter();
    loop {
        let joined = match delays.next() {
            // Waiting for the next answer is cancel-safe: nothing is lost when the delay wins.
            Some(delay) => {
                if let Ok(joined) = tokio::time::timeout(*delay, lookups.join_next()).await {
                    joined
                } else {
                    lookups.spawn_blocking(lookup.clone());
                    continue;
                }
            }
            None => lookups.join_next().await,
        };
        // Blocking tasks cannot be stopped; the late ones finish unobserved.
        lookups.detach_all();
        return match joined {
            Some(Ok(answer)) => answer,
            Some(Err(error)) => Err(io::Error::other(error)),
            // Not reached: a lookup was spawned before the set was first awaited.
            None => Err(io::Error::other("no lookup was made")),
        };
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_late_lookup_is_asked_again_and_the_first_answer_wins() {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        // The first ask hangs (a lost answer); the second answers at once.
        let lookup = move || {
            let ask = counter.fetch_add(1, Ordering::SeqCst);
            if ask == 0 {
                std::thread::sleep(Duration::from_secs(1));
            }
            Ok(ask)
        };
        let started = std::time::Instant::now();
        let delays = [Duration::from_millis(20), Duration::from_secs(10)];
        let answer = first_answer(lookup, &delays).await.expect("an answer");
        assert_eq!(answer, 1);
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_prompt_answer_is_not_asked_again() {
        let asked = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&asked);
        let lookup = move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(io::Error::new(io::ErrorKind::NotFound, "no such host"))
        };
        let error = first_answer(lookup, &AGAIN_AFTER)
            .await
            .expect_err("the resolver's error");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }
}
