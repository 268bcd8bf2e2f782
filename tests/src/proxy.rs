//! A fault-injecting TCP proxy for sync tests: sits between devices and the server on
//! 127.0.0.1 and, per connection, passes traffic, refuses it, delays it, cuts the connection
//! after the request reached the server (the server may or may not commit), cuts it after the
//! server began answering (the server committed, the device never hears) or answers 503
//! itself. Faults are drawn from a seeded generator so a failing run can be replayed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// What happens to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Accept, then close at once without talking to the server.
    Drop,
    /// Pass, but hold the first request this long before forwarding it.
    Delay(Duration),
    /// Forward the request's first bytes to the server, then close both sides.
    CutAfterRequest,
    /// Forward the request, wait until the server starts answering, then close the client
    /// side without passing the answer on: the server did the work, the device never knows.
    CutBeforeResponse,
    /// Answer `503 Service Unavailable` without involving the server.
    Unavailable,
}

/// Counts of faults injected, for assertions that the test really exercised them.
#[derive(Debug, Default)]
pub struct FaultCounts {
    pub passed: AtomicU64,
    pub dropped: AtomicU64,
    pub delayed: AtomicU64,
    pub cut_after_request: AtomicU64,
    pub cut_before_response: AtomicU64,
    pub unavailable: AtomicU64,
}

/// The proxy. Dropping it does not stop it; call [`FaultProxy::heal`] to let everything
/// through.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    faulty: Arc<AtomicBool>,
    rng: Arc<Mutex<u64>>,
    pub counts: Arc<FaultCounts>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` that injects faults (from `seed`) until healed.
    pub async fn start(upstream: SocketAddr, seed: u64) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let proxy = FaultProxy {
            addr: listener.local_addr()?,
            faulty: Arc::new(AtomicBool::new(true)),
            rng: Arc::new(Mutex::new(seed | 1)),
            counts: Arc::new(FaultCounts::default()),
        };
        let me = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = me.next_fault().await;
                let counts = me.counts.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(client, upstream, fault, &counts).await;
                });
            }
        });
        Ok(proxy)
    }

    /// From now on every new connection passes untouched.
    pub fn heal(&self) {
        self.faulty.store(false, Ordering::SeqCst);
    }

    /// Base URL for a client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn next_fault(&self) -> Fault {
        if !self.faulty.load(Ordering::SeqCst) {
            return Fault::Pass;
        }
        let mut state = self.rng.lock().await;
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        match *state % 12 {
            0..=3 => Fault::Pass,
            4 => Fault::Drop,
            5 | 6 => Fault::Delay(Duration::from_millis(20 + *state % 200)),
            7 | 8 => Fault::CutAfterRequest,
            9 | 10 => Fault::CutBeforeResponse,
            _ => Fault::Unavailable,
        }
    }
}

async fn serve_connection(
    mut client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    counts: &FaultCounts,
) -> std::io::Result<()> {
    match fault {
        Fault::Drop => {
            counts.dropped.fetch_add(1, Ordering::Relaxed);
            return Ok(()); // dropping `client` closes it
        }
        Fault::Unavailable => {
            counts.unavailable.fetch_add(1, Ordering::Relaxed);
            let mut buf = [0u8; 4096];
            let _ = client.read(&mut buf).await?;
            let body = r#"{"error":"unavailable","message":"injected by the fault proxy"}"#;
            let answer = format!(
                "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes()).await?;
            return client.shutdown().await;
        }
        _ => {}
    }
    let mut server = TcpStream::connect(upstream).await?;
    match fault {
        Fault::CutAfterRequest => {
            counts.cut_after_request.fetch_add(1, Ordering::Relaxed);
            let mut buf = vec![0u8; 64 * 1024];
            let n = client.read(&mut buf).await?;
            server.write_all(&buf[..n]).await?;
            // Let the server read what arrived, then vanish from both sides.
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(())
        }
        Fault::CutBeforeResponse => {
            counts.cut_before_response.fetch_add(1, Ordering::Relaxed);
            let (mut client_read, _client_write) = client.split();
            let (mut server_read, mut server_write) = server.split();
            let forward = tokio::io::copy(&mut client_read, &mut server_write);
            let mut first = [0u8; 1];
            tokio::select! {
                _ = forward => Ok(()),
                // The server began its answer: its transaction has committed. Hang up.
                _ = server_read.read(&mut first) => Ok(()),
            }
        }
        Fault::Delay(pause) => {
            counts.delayed.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(pause).await;
            pipe(client, server).await
        }
        _ => {
            counts.passed.fetch_add(1, Ordering::Relaxed);
            pipe(client, server).await
        }
    }
}

async fn pipe(mut client: TcpStream, mut server: TcpStream) -> std::io::Result<()> {
    tokio::io::copy_bidirectional(&mut client, &mut server)
        .await
        .map(|_| ())
}
