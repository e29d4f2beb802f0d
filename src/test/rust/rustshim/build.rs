// Generates Rust protobuf *messages* from the containerd shim v2 protos with the
// pure-Rust protobuf-codegen (Debian: librust-protobuf-codegen-pure-dev 2.27.1).
// No ttrpc service codegen is packaged in Debian bookworm (no ttrpc-codegen /
// ttrpc-compiler crate), so the ttrpc service glue is hand-written in src/service.rs.
fn main() {
    let out_dir = std::env::var("OUT_DIR").unwrap();
    protobuf_codegen_pure::Codegen::new()
        .out_dir(&out_dir)
        // katadbg's own copies of containerd's protos (src/main/proto), as the Java side uses.
        .include("../../../main/proto")
        .inputs(&[
            "../../../main/proto/containerd/task/v2/shim.proto",
            "../../../main/proto/containerd/types/mount.proto",
            "../../../main/proto/containerd/types/task.proto",
        ])
        .run()
        .expect("protobuf codegen failed");
    // Generated files carry inner attributes (#![allow(..)], //!), which
    // include!() rejects; declare them as modules from an OUT_DIR mod.rs
    // instead (same trick ttrpc-rust's own build.rs uses).
    std::fs::write(
        format!("{}/mod.rs", out_dir),
        "pub mod shim;\npub mod mount;\npub mod task;\n",
    )
    .unwrap();
    println!("cargo:rerun-if-changed=../../../main/proto");
}
