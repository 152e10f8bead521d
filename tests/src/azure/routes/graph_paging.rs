//! Paging shared by the lists: opaque skip tokens, Graph's `$top` and `$select`, and
//! the `@odata` envelope with its `@odata.nextLink`.
//!
//! Skip tokens are stateless (the offset, encoded): a next link stays valid as long as
//! the simulator runs, and may be retried after a 429.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::call::Call;
use crate::azure::error::{Api, ApiError, echo};

const TOKEN_PREFIX: &str = "sim1:";

/// The skip token for the page starting at `offset`.
pub(crate) fn skip_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{TOKEN_PREFIX}{offset}"))
}

/// The offset a skip token stands for, or `None` if it is not one of ours.
pub(crate) fn parse_skip_token(raw: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}

/// Page-size rules of one Graph list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageRule {
    /// Page size without `$top`.
    pub default: usize,
    /// The largest `$top` accepted.
    pub max: usize,
    /// Whether this is a directory list (its error codes differ from the reports').
    pub directory: bool,
}

/// The directory lists' rule: 100 by default, at most 999.
pub(crate) const DIRECTORY_PAGE: PageRule = PageRule {
    default: 100,
    max: 999,
    directory: true,
};

/// One page request: where it starts and how long it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Page {
    /// Offset of the first item.
    pub start: usize,
    /// Items per page.
    pub size: usize,
}

/// Reads `$top` and `$skiptoken` under `rule`.
pub(crate) fn page(call: &Call<'_>, rule: PageRule) -> Result<Page, ApiError> {
    let size = match call.query.get("$top") {
        None => rule.default,
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if (1..=rule.max).contains(&n) => n,
            Ok(_) | Err(_) if rule.directory => {
                return Err(ApiError::bad_request(
                    Api::Graph,
                    "Request_UnsupportedQuery",
                    format!(
                        "Invalid page size specified: '{}'. Must be between 1 and {} inclusive.",
                        echo(raw),
                        rule.max
                    ),
                ));
            }
            _ => {
                return Err(ApiError::bad_request(
                    Api::Graph,
                    "BadRequest",
                    format!(
                        "Invalid $top value '{}': must be between 1 and {}.",
                        echo(raw),
                        rule.max
                    ),
                ));
            }
        },
    };
    let start = match call.query.get("$skiptoken") {
        None => 0,
        Some(raw) => parse_skip_token(raw).ok_or_else(|| {
            let code = if rule.directory { "Directory_ExpiredPageToken" } else { "BadRequest" };
            ApiError::bad_request(
                Api::Graph,
                code,
                "The specified page token value has expired and can no longer be included in your request.",
            )
        })?,
    };
    Ok(Page { start, size })
}

/// Refuses OData options the simulator does not implement on directory lists, rather
/// than silently ignoring them.
pub(crate) fn refuse_unsupported(call: &Call<'_>) -> Result<(), ApiError> {
    for option in ["$filter", "$search", "$orderby", "$expand", "$skip"] {
        if call.query.get(option).is_some() {
            return Err(ApiError::bad_request(
                Api::Graph,
                "Request_UnsupportedQuery",
                format!("The query option {option} is not supported by this simulator."),
            ));
        }
    }
    Ok(())
}

/// Keeps only the `$select`ed properties (and `@odata.type`) of each object.
pub(crate) fn select(call: &Call<'_>, item: Value) -> Value {
    let Some(raw) = call.query.get("$select") else {
        return item;
    };
    let wanted: Vec<String> = raw
        .split(',')
        .map(|f| f.trim().to_ascii_lowercase())
        .filter(|f| !f.is_empty())
        .collect();
    let Value::Object(map) = item else {
        return item;
    };
    let kept: Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| k == "@odata.type" || wanted.contains(&k.to_ascii_lowercase()))
        .collect();
    Value::Object(kept)
}

/// The `@odata` envelope of one page of `items`: `@odata.context` = base + `/v1.0/
/// $metadata#` + `context`, and `@odata.nextLink` when `total` has more.
pub(crate) fn envelope(
    call: &Call<'_>,
    context: &str,
    page: Page,
    total: usize,
    items: Vec<Value>,
) -> Value {
    let items: Vec<Value> = items.into_iter().map(|i| select(call, i)).collect();
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#{context}", crate::azure::GRAPH_ORIGIN),
        "value": items,
    });
    let next = page.start.saturating_add(page.size);
    if next < total {
        body["@odata.nextLink"] = Value::String(format!(
            "{}{}?{}",
            crate::azure::GRAPH_ORIGIN,
            call.path,
            call.query
                .encode_with(&["$skiptoken"], ("$skiptoken", &skip_token(next)))
        ));
    }
    body
}

/// The slice of `items` a page covers.
pub(crate) fn slice<T>(items: &[T], page: Page) -> &[T] {
    let from = page.start.min(items.len());
    let to = from.saturating_add(page.size).min(items.len());
    items.get(from..to).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_tokens_round_trip_and_forgeries_are_refused() {
        assert_eq!(parse_skip_token(&skip_token(600)), Some(600));
        assert_eq!(parse_skip_token("bm9wZQ"), None);
        assert_eq!(parse_skip_token("%%%"), None);
        assert_eq!(slice(&[1, 2, 3], Page { start: 2, size: 5 }), &[3]);
        assert!(slice(&[1, 2, 3], Page { start: 9, size: 5 }).is_empty());
    }
}
