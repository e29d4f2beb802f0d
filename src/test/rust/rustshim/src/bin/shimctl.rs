//! shimctl: tiny ttrpc client for the prototype shim (and any shim v2 on a
//! filesystem unix socket).  Usage: shimctl unix:///path/x.sock METHOD [ID]
//! METHOD: connect|shutdown|create|start|state|wait|delete
//! Note: ttrpc-rust 0.5.2's Client::connect("unix://...") uses an *abstract*
//! socket on Linux, so we connect with std's UnixStream and use Client::new(fd).

use protobuf::Message;
use rustshim::proto::shim::*;
use std::os::unix::io::IntoRawFd;
use std::os::unix::net::UnixStream;

fn call<Req: Message, Resp: Message>(c: &ttrpc::Client, method: &str, req: &Req) -> ttrpc::Result<Resp> {
    let mut r = ttrpc::Request::new();
    r.set_service(rustshim::TASK_SERVICE.to_string());
    r.set_method(method.to_string());
    let secs: i64 = std::env::var("SHIMCTL_TIMEOUT").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    r.set_timeout_nano(secs * 1_000_000_000); // 0 = wait forever (handy while the shim sits at a breakpoint)
    r.set_payload(req.write_to_bytes().map_err(|e| ttrpc::Error::Others(e.to_string()))?);
    let res = c.request(r)?;
    Resp::parse_from_bytes(res.get_payload()).map_err(|e| ttrpc::Error::Others(e.to_string()))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: {} unix:///path.sock METHOD [ID]", args[0]);
        std::process::exit(2);
    }
    let path = args[1].trim_start_matches("unix://");
    let id = args.get(3).cloned().unwrap_or_else(|| "c1".to_string());
    let stream = UnixStream::connect(path).unwrap_or_else(|e| {
        eprintln!("connect {}: {}", path, e);
        std::process::exit(1)
    });
    let client = ttrpc::Client::new(stream.into_raw_fd());
    let out: ttrpc::Result<String> = match args[2].to_lowercase().as_str() {
        "connect" => {
            let mut q = ConnectRequest::new();
            q.set_id(id);
            call::<_, ConnectResponse>(&client, "Connect", &q).map(|r| format!("{:?}", r))
        }
        "shutdown" => {
            let mut q = ShutdownRequest::new();
            q.set_id(id);
            call::<_, protobuf::well_known_types::Empty>(&client, "Shutdown", &q).map(|r| format!("{:?}", r))
        }
        "create" => {
            let mut q = CreateTaskRequest::new();
            q.set_id(id);
            q.set_bundle("/tmp/bundle".to_string());
            call::<_, CreateTaskResponse>(&client, "Create", &q).map(|r| format!("{:?}", r))
        }
        "start" => {
            let mut q = StartRequest::new();
            q.set_id(id);
            call::<_, StartResponse>(&client, "Start", &q).map(|r| format!("{:?}", r))
        }
        "state" => {
            let mut q = StateRequest::new();
            q.set_id(id);
            call::<_, StateResponse>(&client, "State", &q).map(|r| format!("{:?}", r))
        }
        "wait" => {
            let mut q = WaitRequest::new();
            q.set_id(id);
            call::<_, WaitResponse>(&client, "Wait", &q).map(|r| format!("{:?}", r))
        }
        "delete" => {
            let mut q = DeleteRequest::new();
            q.set_id(id);
            call::<_, DeleteResponse>(&client, "Delete", &q).map(|r| format!("{:?}", r))
        }
        m => {
            eprintln!("unknown method {}", m);
            std::process::exit(2)
        }
    };
    match out {
        Ok(s) => println!("{} OK: {}", args[2], s),
        Err(e) => {
            println!("{} ERROR: {:?}", args[2], e);
            std::process::exit(1)
        }
    }
}
