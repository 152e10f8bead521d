//! A loopback server that records the first line of every request it gets
//! and answers `200 ok`: it stands in for an HTTP proxy (or any server a
//! test must prove was never reached).
//!
//! Connections are handled one at a time, in the order they arrived, so
//! [`Recorder::received`] needs no clock: it sends a marker request of its
//! own and, once that is answered, every earlier connection has been read.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The request line of the marker.
const MARKER: &str = "GET /__recorder_marker HTTP/1.1";
/// Hang guard for one connection that never sends a request; never a
/// pass/fail criterion.
const READ_GUARD: Duration = Duration::from_secs(10);

/// A running recorder on 127.0.0.1.
pub struct Recorder {
    /// Its port.
    pub port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

/// The request head of `stream` (up to 8 KiB).
fn read_head(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(READ_GUARD));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

impl Recorder {
    /// Listen on a free loopback port.
    pub fn start() -> Recorder {
        let listener =
            TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("binding 127.0.0.1:0: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("{e}"))
            .port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopping) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(mut stream) = stream else { continue };
                let head = read_head(&mut stream);
                let line = head
                    .lines()
                    .next()
                    .unwrap_or("<no request line>")
                    .to_string();
                if line != MARKER {
                    log.lock().unwrap_or_else(|e| e.into_inner()).push(line);
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                );
            }
        });
        Recorder { port, seen, stop }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The request lines received from every connection made before this
    /// call.
    pub fn received(&self) -> Vec<String> {
        let mut marker = TcpStream::connect(("127.0.0.1", self.port))
            .unwrap_or_else(|e| panic!("connecting to the recorder: {e}"));
        marker
            .write_all(format!("{MARKER}\r\nhost: 127.0.0.1\r\n\r\n").as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let _ = marker.set_read_timeout(Some(READ_GUARD * 2));
        let mut answer = String::new();
        let _ = marker.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "the recorder did not answer its marker: {answer:?}"
        );
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}
