//! containerd-shim-rustproto-v2: a minimal shim v2-style Rust test shim.
//!
//!   BIN -namespace NS -id ID -address CONTAINERD_SOCK start
//!     -> binds a listening unix socket (filesystem path), re-executes
//!        current_exe() without the action, passing the listener as fd 3
//!        (like containerd's Go shims and Kata's runtime-rs), prints
//!        unix://<path> on stdout and exits 0.
//!   BIN -namespace NS -id ID -address CONTAINERD_SOCK      (fd 3 = listener)
//!     -> daemon: serves ttrpc containerd.task.v2.Task on fd 3 until Shutdown.
//!   BIN -namespace NS -id ID delete
//!     -> prints an (empty) DeleteResponse on stdout.
//!
//! Env: RUSTSHIM_SOCKET_DIR (default /run/rustshim);
//!      RUSTSHIM_DAEMON_WRAPPER (e.g. "gdbserver 127.0.0.1:2345") prefixes the re-exec.

use rustshim::service::{self, TaskService};
use std::os::unix::io::AsRawFd;
use std::os::unix::net::UnixListener;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc};

const LISTEN_FD: i32 = 3;

#[derive(Debug, Default)]
struct Args {
    namespace: String,
    id: String,
    address: String,
    flags: Vec<String>, // all flags, passed through to the daemon
    action: Option<String>,
}

fn parse_args() -> Args {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1).peekable();
    while let Some(arg) = it.next() {
        if arg.starts_with('-') {
            let flag = arg.trim_start_matches('-');
            let (name, val) = match flag.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (flag.to_string(), None),
            };
            let is_bool = matches!(name.as_str(), "debug" | "v");
            let val = match val {
                Some(v) => v,
                None if is_bool => "true".to_string(),
                None => it.next().unwrap_or_default(),
            };
            match name.as_str() {
                "namespace" => a.namespace = val.clone(),
                "id" => a.id = val.clone(),
                "address" => a.address = val.clone(),
                _ => {}
            }
            a.flags.push(format!("-{}", name));
            a.flags.push(val);
        } else {
            a.action = Some(arg);
        }
    }
    a
}

fn socket_path(a: &Args) -> String {
    let dir = std::env::var("RUSTSHIM_SOCKET_DIR").unwrap_or_else(|_| "/run/rustshim".to_string());
    format!("{}/{}-{}.sock", dir, a.namespace, a.id)
}

/// `start`: create the listener, spawn the daemon, print the address.
fn start(a: &Args) -> std::io::Result<()> {
    let path = socket_path(a);
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let fd = listener.as_raw_fd();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(format!("{}.log", path.trim_end_matches(".sock")))?;
    let exe = std::env::current_exe()?;
    // Optional debug wrapper, e.g. RUSTSHIM_DAEMON_WRAPPER="gdbserver 127.0.0.1:2345":
    // the daemon is then exec'd by gdbserver and stops at its first instruction,
    // still inheriting the listener on fd 3.
    let wrapper: Vec<String> = std::env::var("RUSTSHIM_DAEMON_WRAPPER")
        .map(|w| w.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let mut cmd = match wrapper.split_first() {
        Some((prog, rest)) => {
            let mut c = Command::new(prog);
            c.args(rest).arg(&exe);
            c
        }
        None => Command::new(&exe),
    };
    cmd.args(&a.flags)
        .env("RUSTSHIM_SOCKET", &path)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    unsafe {
        cmd.pre_exec(move || {
            // new session, listener on fd 3 without FD_CLOEXEC
            libc::setsid();
            if fd == LISTEN_FD {
                if libc::fcntl(fd, libc::F_SETFD, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            } else if libc::dup2(fd, LISTEN_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    // Not waited for: the daemon outlives this start process, as a real shim's does.
    cmd.spawn()?;
    println!("unix://{}", path);
    Ok(())
}

/// Daemon: serve ttrpc on the inherited listener until Shutdown.
fn serve(a: &Args) -> ttrpc::Result<()> {
    // make sure fd 3 is a listening socket
    let st = nix::sys::stat::fstat(LISTEN_FD).map_err(|e| ttrpc::Error::Others(format!("fd 3: {}", e)))?;
    if st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        return Err(ttrpc::Error::Others("fd 3 is not a socket".into()));
    }
    nix::fcntl::fcntl(LISTEN_FD, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC))
        .map_err(|e| ttrpc::Error::Others(e.to_string()))?;
    let (tx, rx) = mpsc::channel();
    let svc = Arc::new(TaskService::new(a.namespace.clone(), a.id.clone(), tx));
    let mut server = ttrpc::Server::new()
        .add_listener(LISTEN_FD)?
        .register_service(service::methods(svc));
    server.start()?;
    eprintln!("daemon pid {} serving {} on fd {}", std::process::id(), rustshim::TASK_SERVICE, LISTEN_FD);
    let _ = rx.recv();
    // let the Shutdown reply go out before exiting
    std::thread::sleep(std::time::Duration::from_millis(100));
    if let Ok(p) = std::env::var("RUSTSHIM_SOCKET") {
        let _ = std::fs::remove_file(p);
    }
    eprintln!("daemon exiting");
    std::process::exit(0);
}

fn main() {
    let a = parse_args();
    match a.action.as_deref() {
        Some("start") => {
            if let Err(e) = start(&a) {
                eprintln!("start: {}", e);
                std::process::exit(1);
            }
        }
        Some("delete") => {
            use protobuf::Message;
            let mut r = rustshim::proto::shim::DeleteResponse::new();
            r.set_exit_status(137);
            let bytes = r.write_to_bytes().unwrap();
            use std::io::Write;
            std::io::stdout().write_all(&bytes).unwrap();
        }
        Some(other) => {
            eprintln!("unknown action {:?}", other);
            std::process::exit(2);
        }
        None => {
            if let Err(e) = serve(&a) {
                eprintln!("serve: {:?}", e);
                std::process::exit(1);
            }
        }
    }
}
