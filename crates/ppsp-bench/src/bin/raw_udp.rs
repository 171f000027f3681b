//! Raw loopback UDP ceiling: one sender thread blasts datagrams of a fixed size as fast as plain
//! `send` allows to one receiver thread on 127.0.0.1, both sockets with large SO_SNDBUF/SO_RCVBUF,
//! for a fixed time. Prints one JSON line: datagrams sent and received, rates, loss.
//!
//! Usage: `raw_udp [--size BYTES] [--seconds S] [--buf BYTES]`
//! (defaults: 1052-byte datagrams, 3 s, 4 MiB buffers). Loopback only, bounded in time.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use socket2::{Domain, Socket, Type};

const USAGE: &str = "usage: raw_udp [--size BYTES] [--seconds S] [--buf BYTES]";

struct Args {
    size: usize,
    seconds: f64,
    buf: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        size: 1052,
        seconds: 3.0,
        buf: 4 << 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: '{value}'");
        match flag.as_str() {
            "--size" => args.size = value.parse().map_err(|_| bad())?,
            "--seconds" => args.seconds = value.parse().map_err(|_| bad())?,
            "--buf" => args.buf = value.parse().map_err(|_| bad())?,
            _ => return Err(format!("unknown argument '{flag}'")),
        }
    }
    if !(1..=65_507).contains(&args.size) {
        return Err("--size must be 1..=65507 bytes".into());
    }
    if !(args.seconds > 0.0 && args.seconds <= 600.0) {
        return Err("--seconds must be in (0, 600]".into());
    }
    Ok(args)
}

/// A UDP socket bound to 127.0.0.1 with the requested buffer sizes (capped by the kernel at
/// net.core.rmem_max / wmem_max).
fn socket(buf: usize) -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, None)?;
    s.set_recv_buffer_size(buf)?;
    s.set_send_buffer_size(buf)?;
    s.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
    Ok(s.into())
}

struct Received {
    datagrams: u64,
    bytes: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

fn run(args: &Args) -> std::io::Result<String> {
    let rx = socket(args.buf)?;
    let tx = socket(args.buf)?;
    tx.connect(rx.local_addr()?)?;
    let rcvbuf = Socket::from(rx.try_clone()?).recv_buffer_size()?;
    let sndbuf = Socket::from(tx.try_clone()?).send_buffer_size()?;
    rx.set_read_timeout(Some(Duration::from_millis(200)))?;

    let sending = Arc::new(AtomicBool::new(true));
    let receiver = {
        let sending = Arc::clone(&sending);
        let hard_stop = Instant::now() + Duration::from_secs_f64(args.seconds + 5.0);
        thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            let mut r = Received {
                datagrams: 0,
                bytes: 0,
                first: None,
                last: None,
            };
            // Bounded: stops 200 ms after the sender stops (read timeout), or at the hard stop.
            while Instant::now() < hard_stop {
                match rx.recv(&mut buf) {
                    Ok(n) => {
                        let now = Instant::now();
                        r.first.get_or_insert(now);
                        r.last = Some(now);
                        r.datagrams += 1;
                        r.bytes += n as u64;
                    }
                    Err(_) if !sending.load(Ordering::Relaxed) => break,
                    Err(_) => {}
                }
            }
            r
        })
    };

    let payload = vec![0x5au8; args.size];
    let (mut sent, mut send_errors) = (0u64, 0u64);
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(args.seconds);
    'send: loop {
        for _ in 0..256 {
            match tx.send(&payload) {
                Ok(_) => sent += 1,
                Err(_) => send_errors += 1,
            }
        }
        if Instant::now() >= end {
            break 'send;
        }
    }
    let send_secs = start.elapsed().as_secs_f64();
    sending.store(false, Ordering::Relaxed);
    let r = receiver.join().expect("receiver thread panicked");

    let recv_secs = match (r.first, r.last) {
        (Some(a), Some(b)) if b > a => (b - a).as_secs_f64(),
        _ => send_secs,
    };
    let loss = if sent == 0 {
        0.0
    } else {
        100.0 * (sent - r.datagrams.min(sent)) as f64 / sent as f64
    };
    Ok(format!(
        concat!(
            "{{\"size\":{},\"seconds\":{:.3},\"rcvbuf\":{},\"sndbuf\":{},\"sent\":{},",
            "\"send_errors\":{},\"received\":{},\"loss_pct\":{:.2},\"sent_per_s\":{:.0},",
            "\"received_per_s\":{:.0},\"received_MBps\":{:.1}}}"
        ),
        args.size,
        send_secs,
        rcvbuf,
        sndbuf,
        sent,
        send_errors,
        r.datagrams,
        loss,
        sent as f64 / send_secs,
        r.datagrams as f64 / recv_secs,
        r.bytes as f64 / recv_secs / 1e6,
    ))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("raw_udp: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("raw_udp: {e}");
            ExitCode::FAILURE
        }
    }
}
