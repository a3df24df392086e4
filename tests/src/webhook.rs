//! Webhook receivers for end-to-end tests: a tiny HTTP/1.1 server on loopback
//! that records every request, and an HMAC-SHA256 written from SHA-256 alone to
//! check publish's signatures independently of its code.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newswire_shared::ids::sha256_hex;
use serde_json::Value;

/// One request a webhook server received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names in lower case, with their values.
    pub headers: HashMap<String, String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// A header's value (any case of the name), or empty.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str).unwrap_or("")
    }
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("webhook body is JSON")
    }
}

/// How a server answers: status, optional Retry-After seconds, and a delay first.
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// How long to wait before answering.
    pub delay: Duration,
}

/// A plain 200 answer.
pub fn ok() -> Reply {
    Reply { status: 200, delay: Duration::ZERO }
}

/// A tiny HTTP/1.1 server on loopback that records every request and answers with
/// `behaviour(request, attempt)`, where attempt counts requests with its delivery id.
pub struct Hook {
    /// The URL to POST to.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Hook {
    /// Starts a server on a free loopback port.
    pub fn start(behaviour: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind webhook server");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let behaviour = Arc::new(behaviour);
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                let behaviour = behaviour.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &log, behaviour.as_ref());
                });
            }
        });
        Hook { url, received }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// Waits until at least `n` requests arrived (or the timeout passed), then settles.
    pub fn wait_for(&self, n: usize, timeout: Duration, settle: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        while self.requests().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(settle);
        self.requests()
    }
}

fn serve(stream: std::net::TcpStream, log: &Mutex<Vec<Received>>, behaviour: &(dyn Fn(&Received, usize) -> Reply + Send + Sync)) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut headers = HashMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((k, v)) = trimmed.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let request = Received { headers, body };
    let attempt = {
        let mut log = log.lock().expect("lock");
        log.push(request.clone());
        log.iter().filter(|r| r.header("x-newswire-delivery") == request.header("x-newswire-delivery")).count()
    };
    let reply = behaviour(&request, attempt);
    std::thread::sleep(reply.delay);
    let mut stream = stream;
    write!(stream, "HTTP/1.1 {} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n", reply.status)?;
    stream.flush()
}


fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect()
}

/// HMAC-SHA256 (RFC 2104) written here from SHA-256 alone, independent of publish's code.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    let mut k = if key.len() > 64 { unhex(&sha256_hex(key)) } else { key.to_vec() };
    k.resize(64, 0);
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
    let inner = unhex(&sha256_hex(&inner));
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner).collect();
    sha256_hex(&outer)
}

impl Received {
    /// Whether `X-Newswire-Signature` (`t=…,v1=…`) is HMAC-SHA256 with `secret`
    /// over `"<t>.<body>"`, as publish signs.
    pub fn signed_with(&self, secret: &str) -> bool {
        let signature = self.header("x-newswire-signature");
        let Some((t, v1)) = signature.split_once(',') else { return false };
        let (Some(t), Some(v1)) = (t.strip_prefix("t="), v1.strip_prefix("v1=")) else { return false };
        let signed = [t.as_bytes(), b".", self.body.as_slice()].concat();
        v1 == hmac_sha256_hex(secret.as_bytes(), &signed)
    }
}
