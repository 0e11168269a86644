//! The README's promise: after `observatory demo`, in the same folder, every command in
//! its "What you can do" block runs as written and succeeds. The block is read from the
//! README itself, so a command changed there is tested as changed. Commands marked "by
//! hand" (the national benchmark, minutes and gigabytes) only show their help here;
//! `serve` runs until it says where it listens.

use crate::support::BIN;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The commands of the README's "What you can do" block, continuation lines joined and
/// comments kept (they say whether a command is run by hand).
fn readme_commands() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme
        .find("## What you can do")
        .expect("the README's command block");
    let end = start
        + readme[start..]
            .find("\n## ")
            .unwrap_or(readme.len() - start);
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in readme[start..end].lines().filter(|l| l.starts_with("    ")) {
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(line.trim());
        if let Some(open) = current.strip_suffix('\\') {
            current = open.trim_end().to_string();
            continue;
        }
        commands.push(std::mem::take(&mut current));
    }
    commands
}

/// A command's words (double quotes group words) and its comment.
fn words(command: &str) -> (Vec<String>, String) {
    let (command, comment) = match command.find(" #") {
        Some(i) => (&command[..i], command[i + 2..].trim().to_string()),
        None => (command, String::new()),
    };
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in command.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    (out, comment)
}

/// Start `args` in `dir` and wait until it says where the web app is; gives the child.
fn until_serving(dir: &Path, args: &[String]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut said = String::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        said.push_str(&line);
        said.push('\n');
        if line.starts_with("The web app is at") {
            return (child, said);
        }
    }
    let status = child.wait().unwrap();
    panic!("observatory {args:?} stopped ({status}) before serving:\n{said}");
}

#[test]
fn every_readme_command_runs_as_written_after_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    // The commands are run from the repository's root: its data folder is there.
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../data"),
        dir.path().join("data"),
    )
    .unwrap();
    let demo = ["demo", "--addr", "127.0.0.1:0"].map(String::from);
    let (mut child, said) = until_serving(dir.path(), &demo);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(said.contains("planner@demo.example"), "{said}");
    // Run again: the demo keeps its database and passwords and says so.
    let (mut child, again) = until_serving(dir.path(), &demo);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(again.contains("Reusing the demo database"), "{again}");
    assert!(again.contains("(password kept)"), "{again}");
    assert!(
        again.contains("Central Bedfordshire (E06000056)"),
        "{again}"
    );

    let commands = readme_commands();
    assert!(commands.len() > 20, "{commands:?}");
    for command in &commands {
        let (words, comment) = words(command);
        assert_eq!(words[0], "observatory", "{command}");
        let mut args: Vec<String> = words[1..].to_vec();
        if comment.contains("by hand") {
            args.push("--help".into());
        }
        if args.first().map(String::as_str) == Some("serve") {
            let (mut child, said) = until_serving(dir.path(), &args);
            child.kill().unwrap();
            child.wait().unwrap();
            assert!(said.contains("http://127.0.0.1:8080/"), "{said}");
            continue;
        }
        let out = Command::new(BIN)
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}\nexit {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            !stdout.contains("(no rows)"),
            "{command} found nothing:\n{stdout}"
        );
    }
}
