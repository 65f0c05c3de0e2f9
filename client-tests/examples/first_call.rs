#[tokio::main]
async fn main() -> Result<(), upvest_client::Error> {
    let client = upvest_client::Client::from_env()?;
    client.list_account_groups().send().await.map(|answer| println!("{answer:?}"))
}
