//! The generated README's first call is the runnable example
//! `examples/first_call.rs`, and it works against a local mock configured
//! through the environment variables the README documents.

mod support;

mod first_call {
    include!("../examples/first_call.rs");

    pub fn run() -> Result<(), upvest_client::Error> {
        main()
    }
}

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The code blocks of the generated README whose first line is `#[tokio::main]`.
fn readme_first_call() -> String {
    let readme = include_str!("../../generated/README.md");
    let start = readme.find("```rust\n#[tokio::main]").expect("the README shows a first call");
    let code = &readme[start + "```rust\n".len()..];
    code[..code.find("```").unwrap()].to_string()
}

fn without_whitespace(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn the_readme_first_call_is_the_example_and_at_most_five_lines() {
    let block = readme_first_call();
    let example = include_str!("../examples/first_call.rs");
    assert_eq!(without_whitespace(&block), without_whitespace(example), "README:\n{block}");
    assert!(block.lines().count() <= 5, "{block}");
}

#[test]
fn the_first_call_runs_against_a_local_mock_from_the_environment() {
    // The mock runs on its own runtime; the example brings its own.
    let mock_runtime = tokio::runtime::Runtime::new().unwrap();
    let server = mock_runtime.block_on(async {
        let server = MockServer::start().await;
        support::token_mock().mount(&server).await;
        Mock::given(method("GET"))
            .and(path("/account_groups"))
            .respond_with(ResponseTemplate::new(200).insert_header("upvest-request-id", "req-1").set_body_json(
                serde_json::json!({
                    "meta": {"offset": 0, "limit": 100, "count": 0, "total_count": 0},
                    "data": []
                }),
            ))
            .mount(&server)
            .await;
        server
    });
    let key = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/p521-sec1-aes256.pem");
    // This test binary has this one test touching the environment.
    for (name, value) in [
        ("UPVEST_CLIENT_ID", support::CLIENT_ID.to_string()),
        ("UPVEST_CLIENT_SECRET", support::CLIENT_SECRET.to_string()),
        ("UPVEST_KEY_ID", support::KEY_ID.to_string()),
        ("UPVEST_PRIVATE_KEY_FILE", key.to_string()),
        ("UPVEST_PRIVATE_KEY_PASSPHRASE", support::FIXTURE_PASSPHRASE.to_string()),
        ("UPVEST_ENVIRONMENT", server.uri()),
    ] {
        std::env::set_var(name, value);
    }
    first_call::run().expect("the README's first call succeeds");
    let received = mock_runtime.block_on(server.received_requests()).unwrap();
    let paths: Vec<&str> = received.iter().map(|r| r.url.path()).collect();
    assert_eq!(paths, ["/auth/token", "/account_groups"]);
}
