//! The node configuration: `ppsp print-config` prints a file the commands accept, and a
//! setting comes from the flag, else its `PPSP_*` variable, else the `--config` file (seen
//! here through the UDP address `ppsp seed` puts in its URI).

mod support;

use std::process::Command;
use std::time::Duration;

use support::{Proc, uri_peer};

/// A loopback UDP address free a moment after this returns.
fn free_udp() -> String {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string()
}

/// The address `ppsp seed ARGS` (with `env`) serves on, from its URI.
fn seed_addr(file: &str, extra: &[&str], env: &[(&str, &str)]) -> String {
    let mut args = vec!["seed", file, "--log-interval", "0"];
    args.extend_from_slice(extra);
    let mut seeder = Proc::start_with_env("seed", &args, env);
    let uri = seeder.stdout_line(Duration::from_secs(60));
    let status = seeder.terminate(Duration::from_secs(20));
    assert!(status.success(), "{:#?}", seeder.log);
    uri_peer(&uri).to_string()
}

#[test]
fn flags_win_over_variables_which_win_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content.bin");
    std::fs::write(&content, support::content(10_000, 1)).unwrap();
    let content = content.to_str().unwrap();
    let (in_file, in_env, in_flag) = (free_udp(), free_udp(), free_udp());
    let config = dir.path().join("ppsp.toml");
    std::fs::write(
        &config,
        format!("[node]\nlisten = \"{in_file}\"\nmax_peers = 4\nlog_level = \"info\"\n"),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    assert_eq!(seed_addr(content, &["--config", config], &[]), in_file);
    assert_eq!(
        seed_addr(content, &[], &[("PPSP_CONFIG", config)]),
        in_file,
        "PPSP_CONFIG names the file"
    );
    assert_eq!(
        seed_addr(content, &["--config", config], &[("PPSP_LISTEN", &in_env)]),
        in_env
    );
    assert_eq!(
        seed_addr(
            content,
            &["--config", config, "--listen", &in_flag],
            &[("PPSP_LISTEN", &in_env)],
        ),
        in_flag
    );
}

#[test]
fn the_printed_defaults_are_a_file_the_commands_accept() {
    let printed = Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .arg("print-config")
        .output()
        .unwrap();
    assert!(printed.status.success());
    let text = String::from_utf8(printed.stdout).unwrap();
    assert!(text.contains("[node]") && text.contains("# "), "{text}");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("defaults.toml");
    std::fs::write(&config, &text).unwrap();
    let content = dir.path().join("content.bin");
    std::fs::write(&content, support::content(5_000, 2)).unwrap();
    let listen = free_udp();
    let addr = seed_addr(
        content.to_str().unwrap(),
        &["--config", config.to_str().unwrap(), "--listen", &listen],
        &[],
    );
    assert_eq!(addr, listen);
}

#[test]
fn a_bad_configuration_file_is_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[node]\nmax_peer = 3\n").unwrap();
    let content = dir.path().join("content.bin");
    std::fs::write(&content, b"hello").unwrap();
    for (args, expected) in [
        (
            vec!["--config", config.to_str().unwrap()],
            vec!["bad configuration", "bad.toml", "max_peer"],
        ),
        (
            vec!["--config", "/nonexistent/ppsp.toml"],
            vec!["cannot read the configuration", "/nonexistent/ppsp.toml"],
        ),
        (vec!["--log-level", "loud=="], vec!["log level"]),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_ppsp"))
            .args(["seed", content.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("ppsp: ")).collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        for piece in expected {
            assert!(lines[0].contains(piece), "{piece:?} not in {}", lines[0]);
        }
    }
}

/// `GET /metrics` from `addr`: the body.
fn metrics(addr: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn live_takes_the_file_and_variables_and_joins_the_signalling_plane() {
    let dir = tempfile::tempdir().unwrap();
    // 10 s of input at the given rate: the source is still streaming when asked.
    let input = dir.path().join("input.ts");
    std::fs::write(&input, support::content(80 << 10, 3)).unwrap();
    let (in_file, in_env) = (free_udp(), free_udp());
    let config = dir.path().join("ppsp.toml");
    std::fs::write(
        &config,
        format!(
            "[node]\nlisten = \"{in_file}\"\nhttp_listen = \"127.0.0.1:0\"\nlive_chunk_size = 4096\n"
        ),
    )
    .unwrap();
    let mut live = Proc::start_with_env(
        "live",
        &[
            "live",
            "--input",
            input.to_str().unwrap(),
            "--rate",
            "8192",
            "--log-interval",
            "0",
        ],
        &[
            ("PPSP_CONFIG", config.to_str().unwrap()),
            ("PPSP_LISTEN", &in_env),
        ],
    );
    let uri = live.stdout_line(Duration::from_secs(60));
    assert_eq!(uri_peer(&uri).to_string(), in_env, "{uri}");
    assert!(uri.contains("cs=4096&"), "{uri}");
    let line = live.wait_for_line(Duration::from_secs(30), |l| l.contains("signalling on"));
    assert!(
        line.starts_with("ppsp live: signalling on http://"),
        "{line}"
    );
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.strip_suffix("/ppsp"))
        .unwrap();
    let swarm = uri["ppsp://".len()..].split('?').next().unwrap();
    let page = metrics(addr);
    assert!(
        page.contains(&format!("ppsp_live_source{{swarm=\"{swarm}\"}} 1\n")),
        "{page}"
    );
    let status = live.terminate(Duration::from_secs(30));
    assert!(status.success(), "{:#?}", live.log);
}

#[test]
fn every_variable_the_printed_file_names_is_read_by_a_command() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_ppsp"))
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let printed = run(&["print-config"]);
    let help: String = ["seed", "get", "play", "live"]
        .iter()
        .map(|command| run(&[command, "--help"]))
        .collect();
    let names: Vec<&str> = printed
        .split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|word| word.starts_with("PPSP_") && word.len() > "PPSP_".len())
        .collect();
    assert!(names.contains(&"PPSP_HTTP_LISTEN"), "{printed}");
    assert!(names.contains(&"PPSP_PLAYER_LISTEN"), "{printed}");
    for name in names {
        assert!(
            help.contains(&format!("[env: {name}=")),
            "{name} is printed but no command reads it"
        );
    }
}
