//! How flowaudit reaches users: the release archive (`scripts/package.sh`), the
//! install script (`scripts/install.sh`) against a local release server, the
//! GitHub Action's run step (`scripts/action.sh`), and the linters of the
//! workflows, the Action and the Dockerfile.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{free_port, output, parse_json, repo_root, wait_for_port};

const TARGET: &str = "x86_64-unknown-linux-musl";

fn script(name: &str) -> PathBuf {
    repo_root().join("scripts").join(name)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

/// A static file server on loopback (Python's http.server), stopped when dropped.
struct FileServer {
    child: Child,
    url: String,
}

impl FileServer {
    fn start(root: &Path) -> FileServer {
        let python = std::env::var("FLOWAUDIT_PYTHON").unwrap_or_else(|_| "python3".to_string());
        let port = free_port();
        let child = Command::new(&python)
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--directory")
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {python} -m http.server: {e}"));
        wait_for_port(port, "http.server", Duration::from_secs(20));
        FileServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Packs the test build of flowaudit as TARGET's release archive into `dir`.
fn package(dir: &Path) {
    let (code, stdout, stderr) = output(
        Command::new("bash")
            .arg(script("package.sh"))
            .arg(TARGET)
            .arg(env!("CARGO_BIN_EXE_flowaudit"))
            .arg(dir)
            .output(),
    );
    assert_eq!(code, 0, "package.sh failed: {stderr}");
    let archive = dir.join(format!("flowaudit-{TARGET}.tar.gz"));
    assert!(
        stdout.contains(&format!("flowaudit-{TARGET}.tar.gz.sha256")),
        "{stdout}"
    );
    assert!(archive.is_file());
}

/// A release server laid out as GitHub serves releases: `latest/download/ASSET`
/// and `download/TAG/ASSET`, with v6.6.6's checksum tampered with and v7.7.7's
/// checksum file not a digest.
fn release_server(root: &Path) -> FileServer {
    for dir in [
        "latest/download",
        "download/v9.9.9",
        "download/v6.6.6",
        "download/v7.7.7",
    ] {
        package(&root.join(dir));
    }
    let sha = |tag: &str| root.join(format!("download/{tag}/flowaudit-{TARGET}.tar.gz.sha256"));
    let good = fs::read_to_string(sha("v6.6.6")).unwrap_or_else(|e| panic!("{e}"));
    let tampered = format!("{}{}", "0".repeat(64), &good[64..]);
    fs::write(sha("v6.6.6"), tampered).unwrap_or_else(|e| panic!("{e}"));
    fs::write(sha("v7.7.7"), "<html>not found</html>\n").unwrap_or_else(|e| panic!("{e}"));
    FileServer::start(root)
}

/// A fake `uname` answering `-s` and `-m` as another machine would.
fn fake_uname(dir: &Path, os: &str, arch: &str) -> PathBuf {
    let bin = dir.join(format!("uname-{os}-{arch}"));
    fs::create_dir_all(&bin).unwrap_or_else(|e| panic!("{e}"));
    let path = bin.join("uname");
    fs::write(
        &path,
        format!(
            "#!/bin/sh\ncase \"$1\" in -s) echo {os} ;; -m) echo {arch} ;; *) exit 1 ;; esac\n"
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("chmod").arg("+x").arg(&path).status();
    assert!(status.is_ok_and(|s| s.success()));
    bin
}

/// Runs install.sh under dash (POSIX sh, as `curl … | sh` runs it on Debian).
fn install(
    server: &FileServer,
    path_prefix: Option<&Path>,
    args: &[&str],
) -> (i32, String, String) {
    let path = std::env::var("PATH").unwrap_or_default();
    let path = match path_prefix {
        Some(dir) => format!("{}:{path}", dir.display()),
        None => path,
    };
    output(
        Command::new("dash")
            .arg(script("install.sh"))
            .args(args)
            .env("FLOWAUDIT_DOWNLOAD_URL", &server.url)
            .env("PATH", path)
            .output(),
    )
}

fn version_of(binary: &Path) -> String {
    let (code, stdout, stderr) = output(Command::new(binary).arg("--version").output());
    assert_eq!(code, 0, "{} --version: {stderr}", binary.display());
    stdout
}

#[test]
fn install_script_installs_the_checked_release_and_refuses_a_bad_one() {
    let root = tempdir();
    let server = release_server(root.path());
    let work = tempdir();
    let expected = version_of(Path::new(env!("CARGO_BIN_EXE_flowaudit")));

    // The latest release, for this machine as uname describes it (Linux x86_64).
    let linux = fake_uname(work.path(), "Linux", "x86_64");
    let dest = work.path().join("bin");
    let dest_arg = dest.to_string_lossy().into_owned();
    let (code, _, stderr) = install(&server, Some(&linux), &["--to", &dest_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}/latest/download/flowaudit-{TARGET}.tar.gz",
            server.url
        )),
        "{stderr}"
    );
    assert!(stderr.contains("is not on PATH"), "{stderr}");
    assert_eq!(version_of(&dest.join("flowaudit")), expected);

    // A tagged release, over the installed one.
    let (code, _, stderr) = install(
        &server,
        None,
        &["--version", "v9.9.9", "--target", TARGET, "--to", &dest_arg],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("/download/v9.9.9/"), "{stderr}");
    assert_eq!(version_of(&dest.join("flowaudit")), expected);

    // A tampered checksum, and a checksum file that is not a digest (an HTML
    // error page, say): refused, nothing installed.
    let fresh = work.path().join("fresh");
    let fresh_arg = fresh.to_string_lossy().into_owned();
    for (tag, message) in [
        ("v6.6.6", "checksum mismatch"),
        ("v7.7.7", "does not hold a SHA-256 digest"),
    ] {
        let args = ["--version", tag, "--target", TARGET, "--to", &fresh_arg];
        let (code, _, stderr) = install(&server, None, &args);
        assert_eq!(code, 1, "{tag}: {stderr}");
        assert!(stderr.contains(message), "{tag}: {stderr}");
        assert!(stderr.contains("nothing was installed"), "{tag}: {stderr}");
        assert!(!fresh.join("flowaudit").exists());
    }

    // macOS on Apple silicon asks for the aarch64-apple-darwin build, which this
    // server lacks: the message names the address.
    let mac = fake_uname(work.path(), "Darwin", "arm64");
    let (code, _, stderr) = install(&server, Some(&mac), &["--to", &fresh_arg]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "could not download {}/latest/download/flowaudit-aarch64-apple-darwin.tar.gz",
            server.url
        )),
        "{stderr}"
    );

    // Machines without a build, and bad arguments: exit 2, saying what exists.
    let bsd = fake_uname(work.path(), "FreeBSD", "amd64");
    let (code, _, stderr) = install(&server, Some(&bsd), &["--to", &fresh_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no release build for FreeBSD"), "{stderr}");
    assert!(stderr.contains("cargo install"), "{stderr}");
    let riscv = fake_uname(work.path(), "Linux", "riscv64");
    let (code, _, stderr) = install(&server, Some(&riscv), &["--to", &fresh_arg]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("riscv64"), "{stderr}");
    for (args, message) in [
        (
            vec!["--version", "1.0"],
            "--version takes 'latest' or a release tag",
        ),
        (
            vec!["--target", "x86_64-pc-windows-msvc"],
            "no release build for 'x86_64-pc-windows-msvc'",
        ),
        (vec!["--to"], "--to needs a value"),
        (vec!["--bogus"], "unknown argument '--bogus'"),
    ] {
        let (code, _, stderr) = install(&server, None, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (code, _, stderr) = output(
        Command::new("dash")
            .arg(script("install.sh"))
            .args(["--target", TARGET, "--to", &fresh_arg])
            .env("FLOWAUDIT_DOWNLOAD_URL", "ftp://mirror.example/releases")
            .output(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("must start with https:// or http://"),
        "{stderr}"
    );
    assert!(!fresh.join("flowaudit").exists());
}

#[test]
fn package_writes_an_archive_sha256sum_accepts() {
    let dir = tempdir();
    package(dir.path());
    let check = Command::new("sha256sum")
        .args(["-c", &format!("flowaudit-{TARGET}.tar.gz.sha256")])
        .current_dir(dir.path())
        .output();
    let (code, stdout, stderr) = output(check);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let list = Command::new("tar")
        .args(["-tzf", &format!("flowaudit-{TARGET}.tar.gz")])
        .current_dir(dir.path())
        .output();
    let (code, listing, stderr) = output(list);
    assert_eq!(code, 0, "{stderr}");
    let mut names: Vec<&str> = listing.lines().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            format!("flowaudit-{TARGET}/"),
            format!("flowaudit-{TARGET}/README.md"),
            format!("flowaudit-{TARGET}/flowaudit"),
        ]
    );
    // Bad arguments: exit 2, naming the problem.
    let (code, _, stderr) = output(
        Command::new("bash")
            .arg(script("package.sh"))
            .args(["x86_64; rm -rf /", env!("CARGO_BIN_EXE_flowaudit")])
            .arg(dir.path())
            .output(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not a target triple"), "{stderr}");
    let (code, _, stderr) = output(
        Command::new("bash")
            .arg(script("package.sh"))
            .args([TARGET, "/nonexistent/flowaudit"])
            .output(),
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("/nonexistent/flowaudit is not an executable file"),
        "{stderr}"
    );
}

/// Runs the Action's run step with the given inputs; returns (exit code, stdout,
/// stderr, the step outputs it wrote).
fn action(dir: &Path, inputs: &[(&str, &str)]) -> (i32, String, String, String) {
    let outputs = dir.join("github-output");
    let _ = fs::remove_file(&outputs);
    let mut cmd = Command::new("bash");
    cmd.arg(script("action.sh"))
        .current_dir(repo_root())
        .env("FLOWAUDIT_BIN", env!("CARGO_BIN_EXE_flowaudit"))
        .env("GITHUB_OUTPUT", &outputs)
        .env("FLOWAUDIT_NO_HISTORY", "1")
        .env("FLOWAUDIT_SARIF_FILE", dir.join("flowaudit.sarif"))
        .env_remove("FLOWAUDIT_COMMAND")
        .env_remove("FLOWAUDIT_PATHS")
        .env_remove("FLOWAUDIT_ARGS")
        .env_remove("FLOWAUDIT_CONFIG");
    for (name, value) in inputs {
        cmd.env(name, value);
    }
    let (code, stdout, stderr) = output(cmd.output());
    let written = fs::read_to_string(&outputs).unwrap_or_default();
    (code, stdout, stderr, written)
}

#[test]
fn action_step_runs_iac_writes_sarif_and_passes_the_exit_code_on() {
    let dir = tempdir();
    let sarif = dir.path().join("flowaudit.sarif");
    let (code, stdout, stderr, outputs) = action(
        dir.path(),
        &[
            (
                "FLOWAUDIT_PATHS",
                "tests/iac/terraform/accept-only\n tests/iac/cloudformation/trust-anyone.yaml",
            ),
            ("FLOWAUDIT_ARGS", "--fail-on low  --quiet"),
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(outputs.contains("exit-code=1\n"), "{outputs}\n{stderr}");
    assert!(
        outputs.contains(&format!("sarif-file={}\n", sarif.display())),
        "{outputs}"
    );
    assert!(stdout.contains("failing results (exit 1)"), "{stdout}");
    let report = parse_json(&fs::read_to_string(&sarif).unwrap_or_else(|e| panic!("{e}")));
    let results = report["runs"][0]["results"].as_array().map(Vec::len);
    assert!(results.is_some_and(|n| n > 0), "no SARIF results");

    // Inputs are data, never code: a command, arguments and a SARIF path carrying
    // shell syntax run nothing.
    let marker = dir.path().join("pwned");
    let injected = format!("iac; touch {}", marker.display());
    let (code, _, stderr, outputs) = action(dir.path(), &[("FLOWAUDIT_COMMAND", &injected)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("command must be iac or scan"), "{stderr}");
    assert!(outputs.is_empty(), "{outputs}");
    let args = format!("$(touch {0}) `touch {0}` ;touch {0}", marker.display());
    let (code, _, stderr, outputs) = action(
        dir.path(),
        &[
            ("FLOWAUDIT_PATHS", "tests/iac/terraform/basic-pass"),
            ("FLOWAUDIT_ARGS", &args),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}\n{stderr}");
    let (code, _, stderr, _) = action(
        dir.path(),
        &[("FLOWAUDIT_SARIF_FILE", "x.sarif\nexit-code=0")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("sarif-file must be one line"), "{stderr}");
    assert!(!marker.exists(), "an input ran as a command");
}

/// A linter installed by scripts/test.sh, named by an environment variable.
fn linter(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the tests through scripts/test.sh, which installs it")
    })
}

#[test]
fn workflows_action_dockerfile_and_scripts_pass_their_linters() {
    let root = repo_root();
    // actionlint reads .github/workflows and, through `uses: ./`, action.yml;
    // it runs shellcheck on each `run:` script.
    let (code, stdout, stderr) = output(
        Command::new(linter("FLOWAUDIT_ACTIONLINT"))
            .arg("-oneline")
            .current_dir(&root)
            .output(),
    );
    assert_eq!(code, 0, "actionlint:\n{stdout}{stderr}");
    let workflow =
        fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        workflow.contains("uses: ./\n"),
        "ci.yml no longer runs action.yml"
    );

    // actionlint checks how workflows call the Action, not the Action's own
    // expressions: every `inputs.NAME` it reads must be declared.
    let action = fs::read_to_string(root.join("action.yml")).unwrap_or_else(|e| panic!("{e}"));
    let declared: Vec<&str> = action
        .split("\ninputs:\n")
        .nth(1)
        .and_then(|rest| rest.split("\noutputs:\n").next())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|name| !name.starts_with(' '))
        .collect();
    assert!(declared.len() >= 8, "{declared:?}");
    let used: Vec<&str> = action
        .split("inputs.")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .next()
                .unwrap_or_default()
        })
        .collect();
    assert!(used.len() >= 8, "{used:?}");
    for name in used {
        assert!(
            declared.contains(&name),
            "action.yml reads undeclared input {name}"
        );
    }

    let (code, stdout, stderr) = output(
        Command::new(linter("FLOWAUDIT_HADOLINT"))
            .arg("Dockerfile")
            .current_dir(&root)
            .output(),
    );
    assert_eq!(code, 0, "hadolint:\n{stdout}{stderr}");

    for (name, shell) in [
        ("install.sh", "sh"),
        ("package.sh", "bash"),
        ("action.sh", "bash"),
    ] {
        let (code, stdout, stderr) = output(
            Command::new("shellcheck")
                .args(["--shell", shell])
                .arg(script(name))
                .output(),
        );
        assert_eq!(code, 0, "shellcheck {name}:\n{stdout}{stderr}");
    }
}
