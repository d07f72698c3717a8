//! `cargo xtask <command>`: build the SPA, run the system, run every test.
//!
//! std only, so it builds in seconds from a cold cache and needs nothing the workspace does
//! not already have. It shells out to the real tools (cargo, rustup, wasm-bindgen, npm,
//! node, gzip) and stops at the first failure with a non-zero exit code.
//!
//! Why not Trunk: its current release needs a newer rustc than ours and silently downloads
//! tools from GitHub, which this network refuses (see TOOLCHAIN.md).

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{self, Command};
use std::time::{Instant, SystemTime};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  build-web [--dev]             build the SPA into web/dist (release profile unless --dev)
  run                           build-web, build the server (release) and run `s117 serve`
  test [--no-browser | --browser-only]
                                cargo test --workspace, then the browser tests (component
                                tests in headless Chromium and tests/e2e against the server)
  openapi                       regenerate openapi/openapi.json
";

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The SPA's crate and binary, and the name of wasm-bindgen's output (`pkg/s117_web.js`,
/// which `web/boot.js` imports).
const WEB_PACKAGE: &str = "s117-web";
const WEB_OUT_NAME: &str = "s117_web";
const API_PACKAGE: &str = "s117-api";
const API_BIN: &str = "s117";

type Result<T = (), E = String> = std::result::Result<T, E>;

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["build-web"] => build_web(Profile::Release).map(drop),
        ["build-web", "--dev"] => build_web(Profile::Dev).map(drop),
        ["run"] => run(),
        ["test"] => test(true, true),
        ["test", "--no-browser"] => test(true, false),
        ["test", "--browser-only"] => test(false, true),
        ["openapi"] => openapi(),
        ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command {args:?}\n\n{USAGE}")),
    };
    if let Err(message) = outcome {
        eprintln!("xtask: error: {message}");
        process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------
// build-web

#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Release,
    Dev,
}

impl Profile {
    /// The cargo profile: `wasm-release` (opt-level z, LTO; see the root Cargo.toml) is kept
    /// apart from `release`, which the API uses.
    fn cargo_name(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Dev => "dev",
        }
    }

    /// The folder cargo writes the profile's artefacts to.
    fn dir_name(self) -> &'static str {
        match self {
            Profile::Release => "wasm-release",
            Profile::Dev => "debug",
        }
    }
}

/// Builds the SPA into `web/dist` and returns that path.
///
/// The result is laid out as the server serves it: `index.html`, `boot.js`, `app.css`,
/// `pkg/` (wasm-bindgen's output), `assets/images/`, plus `.gz` copies the server sends to
/// clients that accept gzip. It is assembled in a staging folder and swapped in at the end,
/// so a failed build never leaves a half-written `dist` behind.
fn build_web(profile: Profile) -> Result<PathBuf> {
    let started = Instant::now();
    let root = repo_root();
    ensure_wasm_target()?;
    ensure_wasm_bindgen_cli(&root)?;
    ensure_npm_packages(&root)?;

    step("building the SPA (wasm32)");
    run_cmd(cargo().current_dir(&root).args([
        "build",
        "-p",
        WEB_PACKAGE,
        "--bin",
        WEB_PACKAGE,
        "--target",
        WASM_TARGET,
        "--profile",
        profile.cargo_name(),
    ]))?;
    let wasm = target_dir(&root)?
        .join(WASM_TARGET)
        .join(profile.dir_name())
        .join(format!("{WEB_PACKAGE}.wasm"));

    let web = root.join("web");
    let staging = web.join(".dist-staging");
    remove_dir_if_present(&staging)?;
    fs::create_dir_all(&staging).map_err(|e| io_error("create", &staging, e))?;
    let assembled = assemble_dist(&root, &web, &staging, &wasm, profile);
    if assembled.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    assembled?;

    let dist = web.join("dist");
    remove_dir_if_present(&dist)?;
    fs::rename(&staging, &dist).map_err(|e| io_error("rename to", &dist, e))?;

    let wasm_out = dist.join("pkg").join(format!("{WEB_OUT_NAME}_bg.wasm"));
    println!();
    for (label, path) in [
        ("wasm", wasm_out),
        ("js", dist.join("pkg").join(format!("{WEB_OUT_NAME}.js"))),
        ("css", dist.join("app.css")),
    ] {
        let gz = path.with_file_name(format!("{}.gz", file_name(&path)));
        println!(
            "  {label:<5} {:>9} raw  {:>9} gzip  {}",
            kib(file_size(&path)?),
            kib(file_size(&gz)?),
            path.strip_prefix(&root).unwrap_or(&path).display(),
        );
    }
    println!(
        "  built {} in {:.1} s\n",
        dist.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(dist)
}

/// Fills `staging` with everything the server serves: wasm-bindgen's output, the compiled
/// CSS, the static files and GOV.UK Frontend's images, and gzip copies.
fn assemble_dist(root: &Path, web: &Path, staging: &Path, wasm: &Path, profile: Profile) -> Result {
    step("wasm-bindgen");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen.args([
        "--target",
        "web",
        "--no-typescript",
        "--out-name",
        WEB_OUT_NAME,
    ]);
    if profile == Profile::Release {
        // Names only help debugging; they cost ~10 % of the module.
        bindgen.args(["--remove-name-section", "--remove-producers-section"]);
    }
    bindgen.arg("--out-dir").arg(staging.join("pkg")).arg(wasm);
    run_cmd(&mut bindgen)?;

    step("sass");
    let style = if profile == Profile::Release {
        "--style=compressed"
    } else {
        "--style=expanded"
    };
    run_cmd(
        Command::new(root.join("node_modules/.bin/sass"))
            .current_dir(root)
            .args([
                "--load-path=node_modules",
                "--no-source-map",
                "--quiet-deps",
                style,
            ])
            .arg(web.join("style/app.scss"))
            .arg(staging.join("app.css")),
    )?;

    step("static files and GOV.UK Frontend images");
    for file in ["index.html", "boot.js", "favicon.svg"] {
        copy_file(&web.join(file), &staging.join(file))?;
    }
    // Images only: the GDS Transport fonts are for gov.uk services and are not used.
    copy_dir(
        &root.join("node_modules/govuk-frontend/dist/govuk/assets/images"),
        &staging.join("assets/images"),
    )?;
    check_css_assets(staging)?;

    step("gzip copies");
    let mut compressible = Vec::new();
    collect_files(staging, &mut compressible)?;
    compressible.retain(|path| {
        matches!(
            path.extension().and_then(OsStr::to_str),
            Some("wasm" | "js" | "css")
        )
    });
    run_cmd(
        Command::new("gzip")
            .args(["-9", "-k", "-f"])
            .args(&compressible),
    )?;

    Ok(())
}

/// `rustup target add wasm32-unknown-unknown` when the target is missing.
fn ensure_wasm_target() -> Result {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]));
    match installed {
        Ok(list) if list.lines().any(|line| line.trim() == WASM_TARGET) => Ok(()),
        Ok(_) => {
            step("installing the wasm32-unknown-unknown target");
            run_cmd(Command::new("rustup").args(["target", "add", WASM_TARGET]))
        }
        // No rustup (a distribution's Rust): cargo will say if the target is missing.
        Err(_) => Ok(()),
    }
}

/// wasm-bindgen's CLI must be exactly the version of the `wasm-bindgen` crate in Cargo.lock,
/// or the generated JS does not match the module. Installs it when missing or different.
fn ensure_wasm_bindgen_cli(root: &Path) -> Result {
    let lock = read(&root.join("Cargo.lock"))?;
    let wanted = locked_version(&lock, "wasm-bindgen")
        .ok_or("Cargo.lock has no wasm-bindgen package (is s117-web in the workspace?)")?;
    let installed = output(Command::new("wasm-bindgen").arg("--version")).ok();
    // `wasm-bindgen 0.2.130`
    let installed = installed
        .as_deref()
        .and_then(|out| out.split_whitespace().nth(1));
    if installed == Some(wanted.as_str()) {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {wanted} (found {})",
        installed.unwrap_or("none")
    ));
    // Without --locked: its own lock file pins crates the registry mirror here lacks.
    run_cmd(cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))
}

/// The version of `package` in a Cargo.lock (the first entry, enough for wasm-bindgen,
/// which is pinned exactly in web/Cargo.toml).
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            let version = lines.next()?.trim();
            return Some(
                version
                    .strip_prefix("version = \"")?
                    .strip_suffix('"')?
                    .to_owned(),
            );
        }
    }
    None
}

/// `npm ci` when node_modules is missing or older than package-lock.json (npm records the
/// installed tree in node_modules/.package-lock.json).
fn ensure_npm_packages(root: &Path) -> Result {
    let lock = modified(&root.join("package-lock.json"))
        .ok_or("package-lock.json is missing at the repository root")?;
    let installed = modified(&root.join("node_modules/.package-lock.json"));
    if installed.is_some_and(|installed| installed >= lock) {
        return Ok(());
    }
    step("npm ci");
    run_cmd(
        Command::new("npm")
            .current_dir(root)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}

/// Every `url(/assets/...)` in the compiled CSS must exist in dist: a missing icon is
/// otherwise only noticed as a 404 in someone's browser.
fn check_css_assets(dist: &Path) -> Result {
    let css = read(&dist.join("app.css"))?;
    for reference in css.split("url(").skip(1) {
        let url = reference
            .split(')')
            .next()
            .unwrap_or("")
            .trim_matches(['"', '\'', ' ']);
        if let Some(relative) = url.strip_prefix('/') {
            if !dist.join(relative).is_file() {
                return Err(format!(
                    "app.css refers to {url}, which is not in the build"
                ));
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// run

/// Builds everything and replaces this process with `s117 serve` (so Ctrl-C and SIGTERM go
/// straight to the server). Settings come from the environment, as in production.
fn run() -> Result {
    let root = repo_root();
    let dist = build_web(Profile::Release)?;
    let server = build_server(&root)?;
    ensure_first_admin(&server)?;

    let mut serve = Command::new(&server);
    serve.arg("serve").current_dir(&root);
    if env::var_os("S117_WEB_DIR").is_none() {
        serve.env("S117_WEB_DIR", &dist);
    }
    step(&format!("{} serve", server.display()));
    exec(&mut serve)
}

/// `cargo build --release -p s117-api --bin s117`; returns the binary's path.
fn build_server(root: &Path) -> Result<PathBuf> {
    step("building the server (release)");
    run_cmd(cargo().current_dir(root).args([
        "build",
        "--release",
        "-p",
        API_PACKAGE,
        "--bin",
        API_BIN,
    ]))?;
    Ok(target_dir(root)?.join("release").join(API_BIN))
}

/// LEAD: create the first administrator here when none exists (`s117 create-admin`, which
/// prints the one-time password in development), so `cargo xtask run` on an empty database
/// ends with someone able to sign in. Intentionally does nothing (and prints nothing) until
/// that command exists.
/// Creates the first administrator on a new database (`S117_FIRST_ADMIN_EMAIL`, default
/// admin@example.org); its one-time password goes to the development mailbox
/// (`data/outbox/*.eml`) unless `S117_SMTP_URL` is set. Does nothing once users exist.
fn ensure_first_admin(server: &Path) -> Result {
    let root = repo_root();
    let email = env::var("S117_FIRST_ADMIN_EMAIL").unwrap_or_else(|_| "admin@example.org".into());
    step(&format!(
        "first administrator ({email}) if the database has no users"
    ));
    run_cmd(Command::new(server).current_dir(&root).args([
        "create-admin",
        "--email",
        &email,
        "--name",
        "Administrator",
        "--if-none",
    ]))
}

#[cfg(unix)]
fn exec(command: &mut Command) -> Result {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let error = command.exec();
    Err(format!(
        "could not start {:?}: {error}",
        command.get_program()
    ))
}

#[cfg(not(unix))]
fn exec(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    process::exit(status.code().unwrap_or(1))
}

// ---------------------------------------------------------------------------------------
// test

/// The whole suite: the black-box API tests (SQLite, plus PostgreSQL when
/// S117_TEST_POSTGRES_URL is set), then the browser tests against a release build.
fn test(workspace: bool, browser: bool) -> Result {
    let root = repo_root();
    if workspace {
        step("cargo test --workspace");
        run_cmd(cargo().current_dir(&root).args(["test", "--workspace"]))?;
    }
    if browser {
        build_web(Profile::Release)?;
        let server = build_server(&root)?;

        // `cargo test --workspace` builds s117-web natively and runs no browser test; its
        // wasm-bindgen tests only run for the wasm32 target, in headless Chromium.
        step("component tests (wasm-bindgen-test in headless Chromium)");
        let mut components = cargo();
        components
            .current_dir(&root)
            .args(["test", "-p", WEB_PACKAGE, "--target", WASM_TARGET]);
        if env::var_os("CHROMEDRIVER").is_none() && Path::new("/usr/bin/chromedriver").exists() {
            components.env("CHROMEDRIVER", "/usr/bin/chromedriver");
        }
        run_cmd(&mut components)?;

        step("browser tests (node --test tests/e2e/)");
        run_cmd(
            Command::new("node")
                .current_dir(&root)
                .args(["--test", "--test-concurrency=1", "tests/e2e/"])
                .env("S117_BIN", &server),
        )?;
    }
    println!("\nxtask: all tests passed");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// openapi

/// Regenerates the checked-in OpenAPI document from the code (a test fails on drift).
fn openapi() -> Result {
    let root = repo_root();
    step("s117 openapi --write openapi/openapi.json");
    run_cmd(cargo().current_dir(&root).args([
        "run",
        "-p",
        API_PACKAGE,
        "--bin",
        API_BIN,
        "--",
        "openapi",
        "--write",
        "openapi/openapi.json",
    ]))
}

// ---------------------------------------------------------------------------------------
// helpers

fn repo_root() -> PathBuf {
    // xtask/ lives directly under the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent")
        .to_path_buf()
}

/// The cargo that runs us (`CARGO`), so a toolchain override applies to nested builds too.
fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Cargo's target directory, as cargo itself resolves it (CARGO_TARGET_DIR, config, default).
fn target_dir(root: &Path) -> Result<PathBuf> {
    let metadata =
        output(
            cargo()
                .current_dir(root)
                .args(["metadata", "--format-version", "1", "--no-deps"]),
        )?;
    json_string_field(&metadata, "target_directory")
        .map(PathBuf::from)
        .ok_or_else(|| "`cargo metadata` gave no target_directory".to_owned())
}

/// The value of the first `"field": "..."` in a JSON document. Enough for cargo metadata's
/// top-level path fields without a JSON parser (xtask is std only).
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":");
    let start = json.find(&key)? + key.len();
    let rest = json[start..].trim_start().strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other), // \" \\ \/
            },
            c => value.push(c),
        }
    }
    None
}

fn step(what: &str) {
    println!("xtask: {what}");
}

/// Runs a command with inherited stdio; an error unless it exits successfully.
fn run_cmd(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed ({status})"))
    }
}

/// Runs a command and returns its stdout; an error unless it exits successfully.
fn output(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .map_err(|e| format!("could not start {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("{command:?} printed non-UTF-8: {e}"))
}

fn io_error(action: &str, path: &Path, error: io::Error) -> String {
    format!("could not {action} {}: {error}", path.display())
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| io_error("read", path, e))
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

fn file_size(path: &Path) -> Result<u64> {
    fs::metadata(path)
        .map(|meta| meta.len())
        .map_err(|e| io_error("stat", path, e))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn remove_dir_if_present(path: &Path) -> Result {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_error("remove", path, e)),
        _ => Ok(()),
    }
}

fn copy_file(from: &Path, to: &Path) -> Result {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
    }
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| io_error("copy", from, e))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    let entries = fs::read_dir(from).map_err(|e| io_error("read", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error("read", from, e))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            copy_file(&entry.path(), &target)?;
        }
    }
    Ok(())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result {
    for entry in fs::read_dir(dir).map_err(|e| io_error("read", dir, e))? {
        let path = entry.map_err(|e| io_error("read", dir, e))?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_locked_version() {
        let lock = "[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "wasm-bindgen-futures"), None);
    }

    #[test]
    fn reads_a_json_string_field_with_escapes() {
        let json = r#"{"packages":[],"target_directory":"/tmp/a \"b\"\\c","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some("/tmp/a \"b\"\\c")
        );
    }
}
