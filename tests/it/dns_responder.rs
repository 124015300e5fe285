//! A UDP DNS server on a node's (loopback) address and port, standing in for
//! the cluster's DNS as the Mac would reach it: each query is answered by the
//! fake `container` (`__kina-test-dns`), which computes the answer from the
//! cluster it holds (the Service on that node port, the Corefile CoreDNS
//! mounts, the Services and hosts records). When nothing would listen there
//! (no such node port), it does not answer, as a closed port would not.

use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::FAKE;

pub struct Responder {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Responder {
    /// Serves `ip:port` for the fake whose state is in `state`.
    pub fn start(ip: &str, port: u16, state: PathBuf) -> Responder {
        let socket = UdpSocket::bind((ip, port)).unwrap_or_else(|e| panic!("bind {ip}:{port}: {e}"));
        // Only so the loop sees `stop`; no test depends on this time.
        socket.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let (ip, port) = (ip.to_string(), port.to_string());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while !stopping.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else { continue };
                let Some(query) = Query::parse(&buf[..n]) else { continue };
                let out = std::process::Command::new(FAKE)
                    .args([crate::support::FAKE_DNS, &ip, &port, "udp", &query.name])
                    .env_clear()
                    .env("KINA_FAKE_STATE", &state)
                    .output()
                    .expect("run the fake");
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                let mut lines = text.lines();
                let code = match lines.next() {
                    Some("NOERROR") => 0,
                    Some("SERVFAIL") => 2,
                    Some("NXDOMAIN") => 3,
                    Some("REFUSED") => 5,
                    _ => continue,
                };
                let ips: Vec<std::net::Ipv4Addr> = lines.filter_map(|l| l.parse().ok()).collect();
                let _ = socket.send_to(&query.reply(code, if query.qtype == 1 { &ips } else { &[] }), from);
            }
        });
        Responder { stop, thread: Some(thread) }
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Query {
    id: [u8; 2],
    rd: bool,
    /// The question section as received.
    question: Vec<u8>,
    name: String,
    qtype: u16,
}

impl Query {
    fn parse(packet: &[u8]) -> Option<Query> {
        if packet.len() < 12 || u16::from_be_bytes([packet[4], packet[5]]) != 1 {
            return None;
        }
        let mut at = 12;
        let mut labels = Vec::new();
        loop {
            let len = *packet.get(at)? as usize;
            at += 1;
            if len == 0 {
                break;
            }
            labels.push(String::from_utf8_lossy(packet.get(at..at + len)?).into_owned());
            at += len;
        }
        let qtype = u16::from_be_bytes([*packet.get(at)?, *packet.get(at + 1)?]);
        let question = packet.get(12..at + 4)?.to_vec();
        Some(Query { id: [packet[0], packet[1]], rd: packet[2] & 1 == 1, question, name: labels.join("."), qtype })
    }

    /// An authoritative answer with `rcode` and A records for `ips`.
    fn reply(&self, rcode: u8, ips: &[std::net::Ipv4Addr]) -> Vec<u8> {
        let mut out = self.id.to_vec();
        out.push(0x84 | u8::from(self.rd));
        out.push(rcode);
        out.extend([0, 1]);
        out.extend((ips.len() as u16).to_be_bytes());
        out.extend([0, 0, 0, 0]);
        out.extend(&self.question);
        for ip in ips {
            out.extend([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4]);
            out.extend(ip.octets());
        }
        out
    }
}
