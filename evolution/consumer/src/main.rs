//! A consumer written against the client generated from `evolution/v1.yaml`.
//!
//! It stands up a local wiremock server (API and token endpoint), calls every v1
//! operation and asserts what it gets. `EVOLUTION_SERVER=v1` makes the server
//! answer like a v1 API; `EVOLUTION_SERVER=v2` like a v2 API (a new field, a new
//! enum value, a new response header). The same source must compile and pass
//! against the crate generated from `evolution/v2.yaml`.
//!
//! It uses the crate the way its README asks for forward compatibility: request
//! bodies with `new()` and `with_*` (the compiler allows nothing else: structs are
//! `#[non_exhaustive]`), and a wildcard arm on every enum match (required too).

use futures_util::StreamExt as _;
use upvest_client::types::{Order, OrderCreateRequest, OrderSide, OrderStatus};
use upvest_client::{Client, Environment, PrivateKey};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A throwaway Ed25519 key made for this test only (`openssl genpkey -algorithm ed25519`).
const TEST_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIEo3k9GyqapL0InfIai99armqFJ56rtL64Ls2ZVsUWwR
-----END PRIVATE KEY-----
";
const CLIENT_ID: &str = "ebabcf4d-61c3-4942-875c-e265a7c2d062";
const REQUEST_ID: &str = "169ae4c7-ebd7-4041-94da-25369653eba7";

fn order(id: u8, status: &str, v2: bool) -> serde_json::Value {
    let mut order = serde_json::json!({
        "id": format!("00000000-0000-4000-8000-0000000000{id:02}"),
        "status": status,
        "side": if v2 && id == 3 { "SHORT" } else { "BUY" },
        "instrument_id": "US0378331005",
        "quantity": "1.5",
        "created_at": "2024-05-01T12:00:00Z",
    });
    if v2 {
        order["fee"] = serde_json::json!("0.25");
    }
    order
}

/// The three orders the server holds, as a v1 or a v2 server sends them.
fn orders(v2: bool) -> Vec<serde_json::Value> {
    let third = if v2 { "PARTIALLY_FILLED" } else { "CANCELLED" };
    vec![order(1, "NEW", v2), order(2, "FILLED", v2), order(3, third, v2)]
}

fn page(v2: bool, offset: usize, limit: usize) -> ResponseTemplate {
    let all = orders(v2);
    let data: Vec<_> = all.iter().skip(offset).take(limit).cloned().collect();
    let mut response =
        ResponseTemplate::new(200).insert_header("upvest-request-id", REQUEST_ID).set_body_json(serde_json::json!({
            "meta": {"offset": offset, "limit": limit, "count": data.len(), "total_count": all.len()},
            "data": data,
        }));
    if v2 {
        response = response.insert_header("upvest-rate-limit-remaining", "99");
    }
    response
}

async fn server(v2: bool) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "evolution-token",
            "token_type": "bearer",
            "expires_in": 1799,
            "scope": "orders:read orders:admin",
        })))
        .mount(&server)
        .await;
    for (offset, limit) in [(0, 2), (2, 2)] {
        Mock::given(method("GET"))
            .and(path("/orders"))
            .and(query_param("offset", offset.to_string()))
            .and(query_param("limit", limit.to_string()))
            .respond_with(page(v2, offset, limit))
            .mount(&server)
            .await;
    }
    let mut created = order(9, "NEW", v2);
    created["quantity"] = serde_json::json!("2");
    Mock::given(method("POST"))
        .and(path("/orders"))
        .respond_with(ResponseTemplate::new(201).insert_header("upvest-request-id", REQUEST_ID).set_body_json(created))
        .mount(&server)
        .await;
    server
}

/// What the consumer makes of an order status: it knows three, and must cope with more.
fn describe(order: &Order) -> &'static str {
    match order.status {
        OrderStatus::New => "new",
        OrderStatus::Filled => "filled",
        OrderStatus::Cancelled => "cancelled",
        _ => "other",
    }
}

fn side(order: &Order) -> &'static str {
    match order.side {
        Some(OrderSide::Buy) => "buy",
        Some(OrderSide::Sell) => "sell",
        Some(_) => "other",
        None => "none",
    }
}

#[tokio::main]
async fn main() {
    let v2 = match std::env::var("EVOLUTION_SERVER").as_deref() {
        Ok("v1") => false,
        Ok("v2") => true,
        other => panic!("set EVOLUTION_SERVER to v1 or v2, not {other:?}"),
    };
    let server = server(v2).await;
    let client = Client::builder()
        .environment(Environment::Custom(server.uri()))
        .token_url(format!("{}/auth/token", server.uri()))
        .client_id(CLIENT_ID)
        .client_secret("evolution-secret")
        .signing_key("evolution-key", PrivateKey::from_pem(TEST_KEY_PEM).expect("the test key parses"))
        .build()
        .expect("the client builds");

    // One page.
    let first = client.list_orders().offset(0).limit(2).send().await.expect("list_orders succeeds");
    assert_eq!(first.status.as_u16(), 200);
    assert_eq!(first.request_id.as_deref(), Some(REQUEST_ID));
    assert_eq!(first.body.meta.total_count, 3);
    assert_eq!(first.body.data.len(), 2);
    let statuses: Vec<_> = first.body.data.iter().map(describe).collect();
    assert_eq!(statuses, ["new", "filled"]);
    assert_eq!(first.body.data[0].instrument_id.as_deref(), Some("US0378331005"));

    // Every page.
    let all: Vec<Order> =
        client.list_orders().limit(2).stream().map(|order| order.expect("every page decodes")).collect().await;
    let statuses: Vec<_> = all.iter().map(describe).collect();
    let sides: Vec<_> = all.iter().map(side).collect();
    if v2 {
        // A status or side this consumer was not written for lands in the wildcard arm.
        assert_eq!(statuses, ["new", "filled", "other"]);
        assert_eq!(sides, ["buy", "buy", "other"]);
        assert_eq!(all[2].status.as_str(), "PARTIALLY_FILLED");
    } else {
        assert_eq!(statuses, ["new", "filled", "cancelled"]);
        assert_eq!(sides, ["buy", "buy", "buy"]);
    }

    // A create, with a body built the forward-compatible way.
    let body =
        OrderCreateRequest::new().with_instrument_id("US0378331005").with_side(OrderSide::Buy).with_quantity("2");
    let created = client.create_order(body).send().await.expect("create_order succeeds");
    assert_eq!(created.status.as_u16(), 201);
    assert_eq!(describe(&created.body), "new");
    assert_eq!(created.body.quantity.as_deref(), Some("2"));

    // The create went out as this consumer wrote it: no field it did not set, an
    // idempotency key, signed.
    let requests = server.received_requests().await.expect("wiremock records requests");
    let post = requests
        .iter()
        .find(|request| request.method.as_str() == "POST" && request.url.path() == "/orders")
        .expect("the create reached the server");
    let sent: serde_json::Value = serde_json::from_slice(&post.body).expect("the create body is JSON");
    assert_eq!(
        sent,
        serde_json::json!({"instrument_id": "US0378331005", "side": "BUY", "quantity": "2"}),
        "the create body has exactly the fields the consumer set"
    );
    for header in ["idempotency-key", "authorization", "signature", "signature-input", "upvest-client-id"] {
        assert!(post.headers.get(header).is_some(), "the create carries `{header}`");
    }

    println!(
        "evolution consumer: ok against a {} server ({} orders listed, 1 created)",
        if v2 { "v2" } else { "v1" },
        all.len()
    );
}
