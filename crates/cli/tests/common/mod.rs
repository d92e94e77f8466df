//! Test support: the built binary, and a real moto server on a free loopback port.
//!
//! The moto server and the Python that seeds it come from the environment that
//! `scripts/test.sh` prepares: `FLOWAUDIT_MOTO_SERVER` (path of `moto_server`) and
//! `FLOWAUDIT_PYTHON` (a Python with boto3). A test that needs them and cannot find
//! them fails; it never skips.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The built `flowaudit` binary.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowaudit"));
    // Tests never touch the user's history or pick up a config file by accident;
    // history tests remove FLOWAUDIT_NO_HISTORY and pass --db.
    cmd.env_remove("NO_COLOR")
        .env("XDG_DATA_HOME", repo_root().join("target/test-data"))
        .env("FLOWAUDIT_NO_HISTORY", "1")
        .env_remove("FLOWAUDIT_DB")
        .env_remove("FLOWAUDIT_CONFIG");
    cmd
}

/// Runs the binary with arguments; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    output(bin().args(args).output())
}

pub fn output(out: std::io::Result<Output>) -> (i32, String, String) {
    let out = out.unwrap_or_else(|e| panic!("could not run flowaudit: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("no free port: {e}"));
    listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the integration tests through scripts/test.sh, which installs \
             moto[server] in a virtual environment and sets it"
        )
    })
}

/// Waits until `what` accepts connections on the loopback `port`; fails the test
/// after `limit`.
pub fn wait_for_port(port: u16, what: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not accept connections on port {port} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A moto server of our own, stopped when dropped.
/// Runs a Python script of the repository (with `FLOWAUDIT_PYTHON`) and returns
/// what it printed, as JSON; fails the test if the script fails.
pub fn python_json(script: &str, args: &[&str]) -> Value {
    let python = required_env("FLOWAUDIT_PYTHON");
    let out = Command::new(&python)
        .arg(repo_root().join(script))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run {python}: {e}"));
    assert!(
        out.status.success(),
        "{script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_json(&String::from_utf8_lossy(&out.stdout))
}

/// Runs the seeded flow-log generator (`tests/flowlogs/generate.py`) into `dir`:
/// `records` records in `files` files, plus `extra` arguments.
pub fn generate_flowlogs(dir: &Path, records: u32, files: u32, extra: &[&str]) {
    let (records, files) = (records.to_string(), files.to_string());
    let mut args = vec![
        dir.to_str().unwrap_or_default(),
        "--records",
        &records,
        "--files",
        &files,
    ];
    args.extend_from_slice(extra);
    python_json("tests/flowlogs/generate.py", &args);
}

pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    /// Starts moto on a port the kernel picks (`-p 0`) and reads the port from
    /// its own startup line, so two servers started at once can never share a
    /// port (choosing a free port first and passing it left a window in which
    /// another server took it; CI once seeded a server that had already gone).
    pub fn start() -> Moto {
        use std::io::BufRead;
        let server = required_env("FLOWAUDIT_MOTO_SERVER");
        let mut child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start moto server {server}: {e}"));
        let stderr = child
            .stderr
            .take()
            .unwrap_or_else(|| panic!("moto server {server}: no stderr"));
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the startup lines, reports the port, then keeps draining moto's
        // request log so that the pipe never fills.
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            let mut sent = false;
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !sent {
                    if let Some(port) = line
                        .split("Running on http://127.0.0.1:")
                        .nth(1)
                        .and_then(|rest| rest.trim().parse::<u16>().ok())
                    {
                        sent = true;
                        let _ = tx.send(Ok(port));
                    } else {
                        seen.push(line);
                    }
                }
            }
            if !sent {
                let _ = tx.send(Err(seen.join("\n")));
            }
        });
        let mut moto = Moto {
            child,
            url: String::new(),
        };
        let port = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(port)) => port,
            Ok(Err(printed)) => panic!("moto server {server} ended before it listened:\n{printed}"),
            Err(_) => panic!("moto server {server} did not say where it listens within 60 s"),
        };
        moto.url = format!("http://127.0.0.1:{port}");
        wait_for_port(port, "moto server", Duration::from_secs(30));
        moto
    }

    /// Runs `tests/moto/seed.py` against this server; returns its JSON output.
    pub fn seed(&self, args: &[&str]) -> Value {
        let mut all = vec!["--endpoint", self.url.as_str()];
        all.extend_from_slice(args);
        python_json("tests/moto/seed.py", &all)
    }

    /// `flowaudit <args>` aimed at this server with moto's test credentials.
    pub fn flowaudit(&self, args: &[&str]) -> (i32, String, String) {
        self.flowaudit_env(&[], args)
    }

    /// [`Moto::flowaudit`] with extra environment variables.
    pub fn flowaudit_env(&self, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
        flowaudit_at(&self.url, env, args)
    }
}

/// Runs the binary with AWS test credentials against the endpoint `url` (moto,
/// or a proxy in front of it).
pub fn flowaudit_at(url: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = bin();
    cmd.envs(env.iter().copied());
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .arg(args[0])
        .args(["--endpoint-url", url])
        .args(&args[1..]);
    output(cmd.output())
}

/// The fault-injecting proxy (`tests/faults/proxy.py`) in front of moto.
pub struct Proxy {
    child: Child,
    pub url: String,
}

impl Proxy {
    /// Starts the proxy for `upstream` with `args`; waits until it listens.
    pub fn start(upstream: &str, args: &[&str]) -> Proxy {
        use std::io::BufRead;
        let python = required_env("FLOWAUDIT_PYTHON");
        let mut child = Command::new(&python)
            .arg(repo_root().join("tests/faults/proxy.py"))
            .args(["--upstream", upstream])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start the proxy with {python}: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
        let port = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the proxy did not start: {line:?}"))
            .to_string();
        Proxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// The proxy's counts of requests and faults.
    pub fn stats(&self) -> Value {
        use std::io::{Read, Write};
        let addr = self.url.trim_start_matches("http://");
        let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("proxy: {e}"));
        let _ = write!(
            s,
            "GET /__proxy_stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        );
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        parse_json(body)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The result of `check_id` for the VPC `vpc_id` in a JSON report (exactly one).
pub fn vpc_result<'a>(report: &'a Value, check_id: &str, vpc_id: &str) -> &'a Value {
    let matches: Vec<&Value> = results(report)
        .iter()
        .filter(|r| r["check_id"] == check_id && r["vpc_id"] == vpc_id)
        .collect();
    assert_eq!(
        matches.len(),
        1,
        "expected one {check_id} result for {vpc_id}, got {matches:#?}"
    );
    matches[0]
}

pub fn results(report: &Value) -> &Vec<Value> {
    report["results"]
        .as_array()
        .unwrap_or_else(|| panic!("report has no results array: {report}"))
}

/// How many checks give one result per VPC or per region (and so one ERROR for
/// a region that could not be read), from `flowaudit checks --format json`.
pub fn per_region_checks() -> usize {
    let (code, catalog, stderr) = run(&["checks", "--format", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let n = parse_json(&catalog)
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter(|c| c["scope"] == "vpc" || c["scope"] == "region")
                .count()
        })
        .unwrap_or_default();
    assert!(n > 0, "{catalog}");
    n
}
