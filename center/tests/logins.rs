//! Logging in under attack, over HTTPS against a running center: concurrent guesses lock the
//! account, one client cannot try name after name, unknown names cost what known ones cost and
//! do not each sign an audit row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod http;
use common::*;
use http::*;

use docseal_center::ca::KeyType;
use docseal_center::registry::Role;
use docseal_center::{Center, InitOptions};
use sqlx::Row;
use std::path::Path;
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "admin-password-1";
const PW: &str = "user-password-1";

async fn init(dir: &Path, users: &[&str]) -> Center {
    let center = Center::init(
        dir,
        InitOptions {
            name: "Login Center".into(),
            key_type: KeyType::Ec,
            import: None,
            ca_token: None,
            ca_cert: None,
            tsa_token: None,
            database: None,
            crl_url: None,
            admin_password: ADMIN_PW.into(),
        },
    )
    .await
    .unwrap();
    let admin = center.login("admin", ADMIN_PW).await.unwrap();
    for u in users {
        center.add_user(&admin, u, Role::Keeper, PW).await.unwrap();
    }
    center
}

fn login(server: &CenterServer, name: &str, pw: &str) -> u16 {
    server
        .call(
            "post",
            "/api/login",
            &[],
            Some(&serde_json::json!({"name": name, "password": pw})),
        )
        .0
}

async fn failed_logins(center: &Center, name: &str) -> i64 {
    sqlx::query(
        &center
            .store()
            .sql("SELECT failed_logins FROM users WHERE name = $1"),
    )
    .bind(name)
    .fetch_one(center.store().pool())
    .await
    .unwrap()
    .get(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_concurrent_wrong_passwords_all_count_and_lock_the_account() {
    let dir = scratch("login-race");
    let center = init(&dir, &["keeper1"]).await;
    // No per-client limit here: this is the account's own count, raced.
    let server = CenterServer::start(&dir, &["--client-login-failures", "1000"]);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..30)
            .map(|i| {
                let server = &server;
                s.spawn(move || login(server, "keeper1", &format!("wrong-password-{i}")))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        statuses.iter().all(|&s| s == 401 || s == 429),
        "{statuses:?}"
    );
    // Every failure that was checked was counted: none lost to a read-then-write race.
    let checked = statuses.iter().filter(|&&s| s == 401).count() as i64;
    assert_eq!(
        failed_logins(&center, "keeper1").await,
        checked,
        "{statuses:?}"
    );
    assert!(checked >= 5, "{statuses:?}");
    assert_eq!(
        login(&server, "keeper1", PW),
        429,
        "the right password after the race"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_client_trying_fifty_names_is_throttled_and_does_not_flood_the_log() {
    let dir = scratch("login-names");
    let center = init(&dir, &["keeper1", "keeper2"]).await;
    let before = center.audit(&Default::default()).await.unwrap().len();
    let server = CenterServer::start(&dir, &[]);
    let statuses: Vec<u16> = (0..50)
        .map(|i| {
            let name = match i {
                0 => "keeper1".to_string(),
                1 => "keeper2".to_string(),
                _ => format!("guess{i}"),
            };
            login(&server, &name, "wrong-password")
        })
        .collect();
    // Twenty failures in ten minutes, then the client waits, whatever name it tries.
    let throttled = statuses.iter().filter(|&&s| s == 429).count();
    assert!(throttled >= 30, "{statuses:?}");
    assert_eq!(
        statuses[20..].iter().filter(|&&s| s != 429).count(),
        0,
        "{statuses:?}"
    );
    // The two known names' failures are rows of their own; the unknown ones are summarised.
    let rows = center.audit(&Default::default()).await.unwrap();
    let added = &rows[before..];
    assert!(
        added.len() <= 4,
        "{} rows for 50 attempts: {added:?}",
        added.len()
    );
    assert!(
        added.iter().any(|r| r.event.action == "login-unknown"),
        "{added:?}"
    );
    // The client waits; the accounts themselves are not locked by it.
    assert_eq!(failed_logins(&center, "keeper2").await, 1);
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_known_names_fail_in_the_same_time() {
    let dir = scratch("login-timing");
    let names: Vec<String> = (0..50).map(|i| format!("known{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let _center = init(&dir, &refs).await;
    let server = CenterServer::start(&dir, &["--client-login-failures", "1000"]);
    let time = |name: &str| {
        let t = Instant::now();
        assert_eq!(login(&server, name, "wrong-password"), 401, "{name}");
        t.elapsed()
    };
    // Interleaved, each known name once (a second failure would start nothing new: five are
    // free), so both kinds meet the same machine load.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for (i, n) in names.iter().enumerate() {
        known.push(time(n));
        unknown.push(time(&format!("nobody{i:02}")));
    }
    let (k, u) = (median(known), median(unknown));
    let diff = k.abs_diff(u).as_secs_f64() / k.max(u).as_secs_f64();
    println!(
        "median failed login: known {k:?}, unknown {u:?} ({:.1}% apart)",
        diff * 100.0
    );
    assert!(diff < 0.2, "known {k:?}, unknown {u:?}");
}
