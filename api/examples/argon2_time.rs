//! Prints how long one argon2id hash (and one verification) takes on this machine with the
//! server's parameters (m = 19 MiB, t = 2, p = 1).
//! Run: `cargo run --release -p s117-api --example argon2_time`

use std::time::Instant;

fn main() {
    let rounds = 30;
    let started = Instant::now();
    let mut last = String::new();
    for _ in 0..rounds {
        last = s117_api::auth::hashing::hash_blocking("Harbour#2025-Tide");
    }
    let per_hash = started.elapsed().as_secs_f64() * 1000.0 / rounds as f64;
    println!(
        "argon2id m=19456 KiB t=2 p=1: {per_hash:.1} ms per hash (mean of {rounds}); PHC prefix {}",
        &last[..30]
    );
}
