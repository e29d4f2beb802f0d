//! Hand-written ttrpc glue for the containerd shim v2 Task service
//! (containerd.task.v2.Task). ttrpc-rust 0.5.2 (sync feature) dispatches on the
//! key "/<service>/<method>" to a `Box<dyn ttrpc::MethodHandler>`; normally
//! ttrpc-codegen generates those handlers, here they are written by hand.

use crate::proto::shim::*;
use crate::proto::task::Status;
use protobuf::well_known_types::{Empty, Timestamp};
use protobuf::Message;
use std::collections::HashMap;
use std::sync::{mpsc, Arc, Mutex};
use ttrpc::{Code, MethodHandler, TtrpcContext};

pub const VERSION: &str = "rustshim-proto 0.1.0";

#[derive(Debug, Default)]
struct TaskState {
    bundle: String,
    status: Status,
    exit_status: u32,
    created: bool,
}

/// The shim's Task service. Breakpoint targets: `rustshim::service::TaskService::connect` etc.
pub struct TaskService {
    pub namespace: String,
    pub id: String,
    state: Mutex<TaskState>,
    shutdown_tx: Mutex<mpsc::Sender<()>>,
}

fn rpc_error(code: Code, msg: String) -> ttrpc::Error {
    ttrpc::Error::RpcStatus(ttrpc::get_status(code, msg))
}

fn now() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut t = Timestamp::new();
    t.set_seconds(d.as_secs() as i64);
    t.set_nanos(d.subsec_nanos() as i32);
    t
}

impl TaskService {
    pub fn new(namespace: String, id: String, shutdown_tx: mpsc::Sender<()>) -> TaskService {
        TaskService {
            namespace,
            id,
            state: Mutex::new(TaskState::default()),
            shutdown_tx: Mutex::new(shutdown_tx),
        }
    }

    fn check_id(&self, id: &str) -> ttrpc::Result<()> {
        if id != self.id {
            return Err(rpc_error(Code::NOT_FOUND, format!("task {} not found (this shim serves {})", id, self.id)));
        }
        Ok(())
    }

    pub fn create(&self, _ctx: &TtrpcContext, req: CreateTaskRequest) -> ttrpc::Result<CreateTaskResponse> {
        self.check_id(req.get_id())?;
        let mut st = self.state.lock().unwrap();
        st.bundle = req.get_bundle().to_string();
        st.status = Status::CREATED;
        st.created = true;
        eprintln!("create id={} bundle={}", req.get_id(), req.get_bundle());
        let mut resp = CreateTaskResponse::new();
        resp.set_pid(std::process::id());
        Ok(resp)
    }

    pub fn start(&self, _ctx: &TtrpcContext, req: StartRequest) -> ttrpc::Result<StartResponse> {
        self.check_id(req.get_id())?;
        let mut st = self.state.lock().unwrap();
        if !st.created {
            return Err(rpc_error(Code::FAILED_PRECONDITION, "task not created".into()));
        }
        st.status = Status::RUNNING;
        let mut resp = StartResponse::new();
        resp.set_pid(std::process::id());
        Ok(resp)
    }

    pub fn state(&self, _ctx: &TtrpcContext, req: StateRequest) -> ttrpc::Result<StateResponse> {
        self.check_id(req.get_id())?;
        let st = self.state.lock().unwrap();
        let mut resp = StateResponse::new();
        resp.set_id(self.id.clone());
        resp.set_bundle(st.bundle.clone());
        resp.set_pid(std::process::id());
        resp.set_status(st.status);
        resp.set_exit_status(st.exit_status);
        Ok(resp)
    }

    pub fn wait(&self, _ctx: &TtrpcContext, req: WaitRequest) -> ttrpc::Result<WaitResponse> {
        self.check_id(req.get_id())?;
        // No real process: report the current exit status immediately.
        let st = self.state.lock().unwrap();
        let mut resp = WaitResponse::new();
        resp.set_exit_status(st.exit_status);
        resp.set_exited_at(now());
        Ok(resp)
    }

    pub fn delete(&self, _ctx: &TtrpcContext, req: DeleteRequest) -> ttrpc::Result<DeleteResponse> {
        self.check_id(req.get_id())?;
        let mut st = self.state.lock().unwrap();
        st.status = Status::STOPPED;
        st.created = false;
        let mut resp = DeleteResponse::new();
        resp.set_pid(std::process::id());
        resp.set_exit_status(st.exit_status);
        resp.set_exited_at(now());
        Ok(resp)
    }

    pub fn connect(&self, _ctx: &TtrpcContext, req: ConnectRequest) -> ttrpc::Result<ConnectResponse> {
        let shim_pid = std::process::id();
        eprintln!("connect id={} shim_pid={}", req.get_id(), shim_pid);
        let mut resp = ConnectResponse::new();
        resp.set_shim_pid(shim_pid);
        resp.set_task_pid(shim_pid);
        resp.set_version(VERSION.to_string());
        Ok(resp)
    }

    pub fn shutdown(&self, _ctx: &TtrpcContext, req: ShutdownRequest) -> ttrpc::Result<Empty> {
        eprintln!("shutdown id={} now={}", req.get_id(), req.get_now());
        let _ = self.shutdown_tx.lock().unwrap().send(());
        Ok(Empty::new())
    }
}

/// Decode the request payload, call the service method, encode the reply
/// (what ttrpc's `request_handler!` macro does in generated code).
fn dispatch<Req, Resp, F>(ctx: TtrpcContext, req: ttrpc::Request, f: F) -> ttrpc::Result<()>
where
    Req: Message,
    Resp: Message,
    F: FnOnce(&TtrpcContext, Req) -> ttrpc::Result<Resp>,
{
    let mut res = ttrpc::Response::new();
    match Req::parse_from_bytes(&req.payload) {
        Err(e) => res.set_status(ttrpc::get_status(Code::INVALID_ARGUMENT, format!("decode: {}", e))),
        Ok(r) => match f(&ctx, r) {
            Ok(rep) => {
                res.set_status(ttrpc::get_status(Code::OK, String::new()));
                res.set_payload(rep.write_to_bytes().map_err(|e| ttrpc::Error::Others(e.to_string()))?);
            }
            Err(ttrpc::Error::RpcStatus(s)) => res.set_status(s),
            Err(e) => res.set_status(ttrpc::get_status(Code::UNKNOWN, format!("{:?}", e))),
        },
    }
    ttrpc::response_to_channel(ctx.mh.stream_id, res, ctx.res_tx)
}

type Call = fn(&TaskService, TtrpcContext, ttrpc::Request) -> ttrpc::Result<()>;

struct Handler {
    svc: Arc<TaskService>,
    call: Call,
}

impl MethodHandler for Handler {
    fn handler(&self, ctx: TtrpcContext, req: ttrpc::Request) -> ttrpc::Result<()> {
        (self.call)(&self.svc, ctx, req)
    }
}

macro_rules! method {
    ($map:ident, $svc:ident, $name:literal, $f:ident) => {
        let call: Call = |s, ctx, req| dispatch(ctx, req, |c, r| s.$f(c, r));
        $map.insert(
            format!("/{}/{}", crate::TASK_SERVICE, $name),
            Box::new(Handler { svc: $svc.clone(), call }) as Box<dyn MethodHandler + Send + Sync>,
        );
    };
}

/// The method table for `ttrpc::Server::register_service`.
pub fn methods(svc: Arc<TaskService>) -> HashMap<String, Box<dyn MethodHandler + Send + Sync>> {
    let mut m = HashMap::new();
    method!(m, svc, "Create", create);
    method!(m, svc, "Start", start);
    method!(m, svc, "State", state);
    method!(m, svc, "Wait", wait);
    method!(m, svc, "Delete", delete);
    method!(m, svc, "Connect", connect);
    method!(m, svc, "Shutdown", shutdown);
    m
}
