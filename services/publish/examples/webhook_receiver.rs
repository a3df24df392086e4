//! A minimal webhook subscriber that verifies newswire's signature.
//!
//! ```sh
//! WEBHOOK_SECRET=change-me cargo run -p newswire-publish --example webhook_receiver
//! # listens on 127.0.0.1:8787 (WEBHOOK_ADDR to change it)
//! ```
//!
//! For each POST it checks `X-Newswire-Signature` (HMAC-SHA256 over `"<t>.<body>"`,
//! compared in constant time, `t` at most five minutes away), answers 401 when it
//! does not verify, skips a delivery id it has already handled (retries and
//! restarts re-send with the same id), and prints the story's headline. A real
//! receiver would keep the handled ids durably and queue the work before answering.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{SystemTime, UNIX_EPOCH};

use newswire_publish::signature::{verify, DELIVERY_HEADER, SIGNATURE_HEADER};

/// Largest body accepted, in bytes.
const MAX_BODY: usize = 10 * 1024 * 1024;
/// How far the signed timestamp may be from now, in seconds.
const TOLERANCE_S: i64 = 300;

fn main() -> std::io::Result<()> {
    let addr = std::env::var("WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8787".into());
    let Ok(secret) = std::env::var("WEBHOOK_SECRET") else {
        eprintln!("set WEBHOOK_SECRET to the subscription's secret");
        std::process::exit(2);
    };
    let listener = TcpListener::bind(&addr)?;
    println!("listening on http://{addr}/ (verifying signatures)");
    let mut handled: HashSet<String> = HashSet::new();
    for stream in listener.incoming() {
        let stream = stream?;
        if let Err(error) = handle(stream, secret.as_bytes(), &mut handled) {
            eprintln!("request failed: {error}");
        }
    }
    Ok(())
}

fn handle(stream: TcpStream, secret: &[u8], handled: &mut HashSet<String>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut signature = String::new();
    let mut delivery = String::new();
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else { continue };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case(SIGNATURE_HEADER) {
            signature = value.to_owned();
        } else if name.eq_ignore_ascii_case(DELIVERY_HEADER) {
            delivery = value.to_owned();
        } else if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().unwrap_or(0);
        }
    }
    let mut stream = stream;
    if length > MAX_BODY {
        return respond(&mut stream, 413);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    if let Err(error) = verify(&signature, secret, &body, now, TOLERANCE_S) {
        eprintln!("refused delivery {delivery:?}: {error}");
        return respond(&mut stream, 401);
    }
    if !handled.insert(delivery.clone()) {
        println!("delivery {delivery} already handled; acknowledging again");
        return respond(&mut stream, 204);
    }
    let story: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let headline = story["headlines"][0]["value"].as_str().unwrap_or("(no headline)");
    let status = story["pubstatus"].as_str().unwrap_or("usable");
    println!("{} v{} [{status}] {headline}", story["uri"].as_str().unwrap_or("?"), story["version"].as_str().unwrap_or("?"));
    respond(&mut stream, 204)
}

fn respond(stream: &mut TcpStream, status: u16) -> std::io::Result<()> {
    write!(stream, "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")?;
    stream.flush()
}
