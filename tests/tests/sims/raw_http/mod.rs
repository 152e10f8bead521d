//! Raw HTTP/1.1 requests for the simulators' garbage-input tests: bytes an
//! HTTP client would refuse to send (bad escapes, non-UTF-8, broken JSON).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one raw HTTP/1.1 request and returns the status and the body.
pub async fn raw(
    addr: &str,
    head: &[u8],
    auth: Option<&[u8]>,
    body: &[u8],
) -> Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).await?;
    let mut request = head.to_vec();
    request.extend_from_slice(b" HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n");
    if let Some(auth) = auth {
        request.extend_from_slice(b"Authorization: ");
        request.extend_from_slice(auth);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    request.extend_from_slice(body);
    stream.write_all(&request).await?;
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .context("no answer in 5 s")??;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status line in {text:?}"))?;
    let body = match text.find("\r\n\r\n") {
        Some(at) => response.get(at + 4..).unwrap_or_default().to_vec(),
        None => bail!("no header end in {text:?}"),
    };
    Ok((status, body))
}
