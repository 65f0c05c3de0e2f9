//! Offset/limit pagination as a `Stream` of items.

use std::future::Future;

use futures_core::Stream;

use super::error::Error;
use super::request::Response;

/// One page of a list answer (`{"meta": {..., "total_count"}, "data": [...]}`).
pub trait Page {
    /// The listed type.
    type Item;
    /// The items of this page, in order.
    fn into_items(self) -> Vec<Self::Item>;
    /// How many items the whole list has, when the answer says.
    fn total_count(&self) -> Option<u64>;
}

struct State<F, I> {
    fetch: F,
    offset: u64,
    limit: u64,
    buffer: std::vec::IntoIter<I>,
    done: bool,
}

/// Walks a list from `start_offset`, `limit` items per request, yielding items.
///
/// Stops when the offset reaches `total_count` or a page comes back empty. The
/// offset advances by the number of items received, not by `limit`, so a
/// server that caps the page size loses nothing. The first error is yielded
/// and ends the stream. `fetch(offset, limit)` requests one page; it is called
/// lazily, only when the consumer wants more items.
pub fn paginate<P, F, Fut>(start_offset: u64, limit: u64, fetch: F) -> impl Stream<Item = Result<P::Item, Error>> + Send
where
    P: Page + Send,
    P::Item: Send,
    F: FnMut(u64, u64) -> Fut + Send,
    Fut: Future<Output = Result<Response<P>, Error>> + Send,
{
    let state = State { fetch, offset: start_offset, limit, buffer: Vec::new().into_iter(), done: false };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.next() {
                return Some((Ok(item), state));
            }
            if state.done {
                return None;
            }
            match (state.fetch)(state.offset, state.limit).await {
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
                Ok(response) => {
                    let page = response.body;
                    let total = page.total_count();
                    let items = page.into_items();
                    if items.is_empty() {
                        return None;
                    }
                    state.offset = state.offset.saturating_add(items.len() as u64);
                    state.done = total.is_some_and(|total| state.offset >= total);
                    state.buffer = items.into_iter();
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt as _;
    use reqwest::header::HeaderMap;
    use reqwest::StatusCode;
    use std::sync::{Arc, Mutex};

    struct TestPage {
        items: Vec<u64>,
        total: Option<u64>,
    }

    impl Page for TestPage {
        type Item = u64;
        fn into_items(self) -> Vec<u64> {
            self.items
        }
        fn total_count(&self) -> Option<u64> {
            self.total
        }
    }

    fn ok(items: Vec<u64>, total: Option<u64>) -> Result<Response<TestPage>, Error> {
        Ok(Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            request_id: None,
            body: TestPage { items, total },
        })
    }

    type Calls = Arc<Mutex<Vec<(u64, u64)>>>;
    type Fetched = std::future::Ready<Result<Response<TestPage>, Error>>;

    /// A fake list of `len` items; records every (offset, limit) requested.
    fn fake(len: u64, total: Option<u64>, fail_at: Option<u64>) -> (Calls, impl FnMut(u64, u64) -> Fetched + Send) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        let fetch = move |offset: u64, limit: u64| {
            seen.lock().unwrap().push((offset, limit));
            if Some(offset) == fail_at {
                return std::future::ready(Err(Error::Timeout { idempotency_key: None }));
            }
            let items = (offset..len.min(offset + limit)).collect();
            std::future::ready(ok(items, total))
        };
        (calls, fetch)
    }

    #[tokio::test]
    async fn three_pages_until_total_count() {
        let (calls, fetch) = fake(7, Some(7), None);
        let items: Vec<u64> = paginate(0, 3, fetch).map(Result::unwrap).collect().await;
        assert_eq!(items, (0..7).collect::<Vec<_>>());
        // Stops at total_count: no fourth, empty request.
        assert_eq!(*calls.lock().unwrap(), [(0, 3), (3, 3), (6, 3)]);
    }

    #[tokio::test]
    async fn stops_on_empty_page_without_total() {
        let (calls, fetch) = fake(6, None, None);
        let items: Vec<u64> = paginate(0, 3, fetch).map(Result::unwrap).collect().await;
        assert_eq!(items.len(), 6);
        assert_eq!(*calls.lock().unwrap(), [(0, 3), (3, 3), (6, 3)]);
    }

    #[tokio::test]
    async fn early_empty_page_ends_the_stream() {
        // total_count promises 10 but the data runs out at 4.
        let (calls, fetch) = fake(4, Some(10), None);
        let items: Vec<u64> = paginate(2, 2, fetch).map(Result::unwrap).collect().await;
        assert_eq!(items, [2, 3]);
        assert_eq!(*calls.lock().unwrap(), [(2, 2), (4, 2)]);
    }

    #[tokio::test]
    async fn error_is_yielded_then_the_stream_ends() {
        let (calls, fetch) = fake(10, Some(10), Some(3));
        let got: Vec<Result<u64, Error>> = paginate(0, 3, fetch).collect().await;
        assert_eq!(got.len(), 4);
        assert!(got[..3].iter().all(Result::is_ok));
        assert!(matches!(got[3], Err(Error::Timeout { .. })));
        assert_eq!(calls.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn capped_page_size_advances_by_items_received() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        // The server returns at most 2 items whatever limit is asked.
        let fetch = move |offset: u64, _limit: u64| {
            seen.lock().unwrap().push(offset);
            let items = (offset..5u64.min(offset + 2)).collect();
            std::future::ready(ok(items, Some(5)))
        };
        let items: Vec<u64> = paginate(0, 100, fetch).map(Result::unwrap).collect().await;
        assert_eq!(items, [0, 1, 2, 3, 4]);
        assert_eq!(*calls.lock().unwrap(), [0, 2, 4]);
    }

    #[test]
    fn stream_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let (_, fetch) = fake(1, None, None);
        assert_send(&paginate(0, 1, fetch));
    }
}
