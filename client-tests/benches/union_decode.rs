//! Union decode speed: a 1,000-user TOL list decoded into the generated union types,
//! against the same JSON decoded into a plain `Vec` of the TOL struct (the limit) and
//! into a naive `#[serde(untagged)]` enum (what other generators emit).
//!
//! Run: `cargo bench -p upvest-client-tests --bench union_decode`. Prints a table.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde::Deserialize;
use upvest_client::types::{ListUsersResponse, UserByol, UserTol};

#[derive(Deserialize)]
struct PlainTolList {
    #[allow(dead_code)]
    meta: serde_json::Value,
    data: Vec<UserTol>,
}

/// What progenitor-style generators emit: buffers each item, first match wins
/// (and here, BYOL first, silently drops every TOL field).
#[derive(Deserialize)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
enum NaiveUser {
    Byol(UserByol),
    Tol(UserTol),
}

#[derive(Deserialize)]
struct NaiveList {
    #[allow(dead_code)]
    meta: serde_json::Value,
    data: Vec<NaiveUser>,
}

fn tol_list(users: usize) -> Vec<u8> {
    let spec = upvest_client_tests::spec();
    let user = spec["components"]["examples"]["UserTol"]["value"].clone();
    let data: Vec<serde_json::Value> = (0..users)
        .map(|i| {
            let mut u = user.clone();
            u["id"] = serde_json::json!(format!("83d83ec2-d2ca-49ff-bbea-{i:012}"));
            u
        })
        .collect();
    let list = serde_json::json!({
        "meta": {"offset": 0, "limit": users, "count": users, "total_count": users, "sort": "created_at", "order": "ASC"},
        "data": data,
    });
    serde_json::to_vec(&list).unwrap()
}

/// Median time of one decode over `rounds` timed batches.
fn measure(bytes: &[u8], rounds: usize, decode: impl Fn(&[u8]) -> usize) -> Duration {
    let per_batch = 20;
    for _ in 0..per_batch {
        black_box(decode(bytes));
    }
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                black_box(decode(black_box(bytes)));
            }
            start.elapsed() / per_batch as u32
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let bytes = tol_list(1000);
    let plain = measure(&bytes, 15, |b| serde_json::from_slice::<PlainTolList>(b).unwrap().data.len());
    let union = measure(&bytes, 15, |b| serde_json::from_slice::<ListUsersResponse>(b).unwrap().data.len());
    let naive = measure(&bytes, 15, |b| serde_json::from_slice::<NaiveList>(b).unwrap().data.len());
    let mb = bytes.len() as f64 / 1e6;
    println!("Decoding a 1,000-user TOL list ({:.2} MB), median of 15 batches of 20:", mb);
    println!();
    println!("| decoder | time per list | throughput | vs plain Vec<UserTol> |");
    println!("|---|---|---|---|");
    for (name, time) in [
        ("plain Vec<UserTol> (limit)", plain),
        ("generated union (ListUsersResponse)", union),
        ("naive #[serde(untagged)]", naive),
    ] {
        println!(
            "| {name} | {:.2} ms | {:.0} MB/s | {:.2}x |",
            time.as_secs_f64() * 1e3,
            mb / time.as_secs_f64(),
            plain.as_secs_f64() / time.as_secs_f64()
        );
    }
}
