//! Strings that take one of several patterned forms, as the generated client handles
//! them: responses decode whatever string the server sends, requests are checked
//! against every form (each pattern with its own length bounds) before they leave,
//! and a value that fits one form is sent as the plain string, in a path, a query
//! and a body.

use fixture_string_forms::types::{Instrument, InstrumentId, OrderRequest};
use fixture_string_forms::{Client, Error};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISIN: &str = "urn:isin:US0378331005";
const UUID: &str = "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8";

/// The field and message of the validation error a request fails with before sending.
async fn refused(client: &Client, body: OrderRequest) -> (String, String) {
    match client.create_order(body).send().await {
        Err(Error::Validation(e)) => (e.field, e.message),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::main]
async fn main() {
    // A response is taken as it is: an id of neither form still decodes.
    let odd: Instrument = serde_json::from_value(serde_json::json!({"id": "XS0000000001"})).expect("decodes");
    assert_eq!(odd.id.as_str(), "XS0000000001");
    // On the wire the newtype is the plain string.
    assert_eq!(serde_json::to_value(InstrumentId::from(ISIN)).unwrap(), serde_json::json!(ISIN));
    assert_eq!(InstrumentId::new(UUID).to_string(), UUID);

    let server = MockServer::start().await;
    let instrument = serde_json::json!({"id": ISIN, "name": "Apple"});
    Mock::given(method("POST"))
        .and(path("/orders"))
        .and(query_param("benchmark", UUID))
        .respond_with(ResponseTemplate::new(201).set_body_json(&instrument))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        // The path segment is the plain string, percent-encoded.
        .and(path("/instruments/urn%3Aisin%3AUS0378331005"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&instrument))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .build()
        .expect("the client builds");

    // A value of either form is sent, as the plain string.
    for id in [ISIN, UUID] {
        let body = OrderRequest::new(id).with_reference("ref-abc").with_venue("XETR");
        let created = client.create_order(body).benchmark(UUID).send().await.expect("a valid order is sent");
        assert_eq!(created.body.id.as_str(), ISIN);
    }
    let requests = server.received_requests().await.expect("wiremock records requests");
    let sent: serde_json::Value = serde_json::from_slice(&requests[1].body).expect("the body is JSON");
    assert_eq!(sent, serde_json::json!({"instrument_id": UUID, "reference": "ref-abc", "venue": "XETR"}));
    let fetched = client.get_instrument(ISIN).send().await.expect("the path takes an ISIN");
    assert_eq!(fetched.body.id, InstrumentId::from(ISIN));

    // A value of neither form never leaves, and the error lists every form.
    let (field, message) = refused(&client, OrderRequest::new("US0378331005")).await;
    assert_eq!(field, "instrument_id");
    assert_eq!(
        message,
        "must match one of: the pattern ^urn:isin:[A-Z]{2}[A-Z0-9]{9}[0-9]$; \
         the pattern ^urn:uuid: with 45 to 45 characters"
    );
    // Each form keeps its own length bounds: a UUID URN one character short fits neither.
    let (field, _) = refused(&client, OrderRequest::new(&UUID[..UUID.len() - 1])).await;
    assert_eq!(field, "instrument_id");
    // The second form of `reference` allows at most 10 characters; the first takes any length.
    let (field, _) = refused(&client, OrderRequest::new(ISIN).with_reference("REF-1234567")).await;
    assert_eq!(field, "reference");
    let long = OrderRequest::new(ISIN).with_reference("ref-abcdefghijklmnop").with_venue("XETR");
    client.create_order(long).benchmark(UUID).send().await.expect("the first form has no length bound");
    // Branches alike in everything are one plain string, still checked.
    let (field, _) = refused(&client, OrderRequest::new(ISIN).with_venue("xetr")).await;
    assert_eq!(field, "venue");
    // Parameters are checked too.
    match client.get_instrument("AAPL").send().await {
        Err(Error::Validation(e)) => assert_eq!(e.field, "instrument_id"),
        other => panic!("expected a validation error, got {other:?}"),
    }
    match client.create_order(OrderRequest::new(ISIN)).benchmark("AAPL").send().await {
        Err(Error::Validation(e)) => assert_eq!(e.field, "benchmark"),
        other => panic!("expected a validation error, got {other:?}"),
    }

    println!("string forms: ok");
}
