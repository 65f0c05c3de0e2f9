//! Lists every user of the tenant, page after page, and prints each as BYOL or TOL.
//!
//! Configuration comes from the environment, as `Client::from_env` reads it
//! (`UPVEST_CLIENT_ID`, `UPVEST_CLIENT_SECRET`, `UPVEST_KEY_ID`,
//! `UPVEST_PRIVATE_KEY_FILE` or `UPVEST_PRIVATE_KEY_PEM`, optionally
//! `UPVEST_PRIVATE_KEY_PASSPHRASE`, `UPVEST_ENVIRONMENT` and `UPVEST_SCOPES`;
//! see the generated README), plus two variables for local mocks:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `UPVEST_TOKEN_STUB` | optional, local mocks only: `1` serves tokens from a stub inside this program |
//! | `UPVEST_PRISM_EXAMPLE` | optional, Prism only: asks Prism for this named example (`byol`, `tol`, `empty`) |
//!
//! Against the sandbox:
//!
//! ```sh
//! UPVEST_CLIENT_ID=... UPVEST_CLIENT_SECRET=... UPVEST_KEY_ID=... \
//! UPVEST_PRIVATE_KEY_FILE=path/to/key.pem \
//! cargo run -p upvest-client-tests --example list_users
//! ```
//!
//! Against a local Prism mock of `spec/upvest.yaml` (from the repository root;
//! `cargo xtask test` or `npm ci --prefix tools` installs Prism). Prism does not
//! serve `/auth/token`, so tokens come from the stub; it checks that the client
//! id is a UUID but not the signature, so any key will do:
//!
//! ```sh
//! tools/node_modules/.bin/prism mock -p 4010 --errors spec/upvest.yaml &
//! openssl genpkey -algorithm ed25519 -out /tmp/upvest-test-key.pem
//! UPVEST_ENVIRONMENT=http://127.0.0.1:4010 UPVEST_TOKEN_STUB=1 \
//! UPVEST_CLIENT_ID=ebabcf4d-61c3-4942-875c-e265a7c2d062 UPVEST_CLIENT_SECRET=secret \
//! UPVEST_KEY_ID=5d0a7c1e-2b3f-4c8d-9e6f-7a8b9c0d1e2f \
//! UPVEST_PRIVATE_KEY_FILE=/tmp/upvest-test-key.pem \
//! UPVEST_PRISM_EXAMPLE=tol \
//! cargo run -p upvest-client-tests --example list_users
//! ```
//!
//! Prism answers every page with the same example, whose `meta.total_count`
//! ends the walk after the first page.

use std::process::ExitCode;

use futures_util::TryStreamExt as _;
use upvest_client::types::User;
use upvest_client::{Client, ClientBuilder};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("list_users: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let client = client_from_env().await?;
    let mut users = std::pin::pin!(client.list_users().limit(100).stream());
    let (mut byol, mut tol, mut other) = (0, 0, 0);
    while let Some(user) = users.try_next().await.map_err(|e| e.to_string())? {
        match user {
            User::Byol(user) => {
                byol += 1;
                println!("BYOL {}  {} {}  status {}", user.id, user.first_name, user.last_name, user.status);
            }
            User::Tol(user) => {
                tol += 1;
                println!(
                    "TOL  {}  {} {}  status {}  email {}  phone {}  FATCA {}",
                    user.id,
                    user.first_name,
                    user.last_name,
                    user.status,
                    user.email.as_deref().unwrap_or("-"),
                    user.phone_number.as_deref().unwrap_or("-"),
                    user.fatca.as_ref().map_or("-".to_string(), |f| f.status.to_string()),
                );
            }
            // A kind of user a later API version may add.
            _ => other += 1,
        }
    }
    println!("{} users: {byol} BYOL, {tol} TOL, {other} of another kind", byol + tol + other);
    Ok(())
}

fn optional_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

async fn client_from_env() -> Result<Client, String> {
    let mut builder = ClientBuilder::from_env().map_err(|e| e.to_string())?;
    if optional_var("UPVEST_TOKEN_STUB").as_deref() == Some("1") {
        builder = builder.token_url(local_token_stub().await?);
    }
    if let Some(example) = optional_var("UPVEST_PRISM_EXAMPLE") {
        // Prism picks a named example when asked with `Prefer: example=<name>`.
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("example={example}")
            .parse()
            .map_err(|_| "UPVEST_PRISM_EXAMPLE is not a valid header value".to_string())?;
        headers.insert("prefer", value);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        builder = builder.http_client(http);
    }
    builder.build().map_err(|e| e.to_string())
}

/// For local mocks only: a token endpoint on 127.0.0.1 that answers every
/// request with the same made-up access token. Returns its URL.
async fn local_token_stub() -> Result<String, String> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot start the token stub: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let body =
            r#"{"access_token":"local-stub-token","token_type":"bearer","expires_in":1799,"scope":"users:read"}"#;
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        while let Ok((mut socket, _)) = listener.accept().await {
            // Read the whole request (head, then `content-length` bytes of
            // body) before answering; its content is not needed.
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    Ok(format!("http://{address}/auth/token"))
}
