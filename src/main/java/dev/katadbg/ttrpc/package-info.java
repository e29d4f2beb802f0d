/**
 * ttrpc, containerd's small RPC protocol over unix sockets: the framing ({@link FrameReader},
 * {@link FrameWriter}), a client with concurrent unary calls on one connection
 * ({@link TtrpcClient}) and a server ({@link TtrpcServer}). Malformed peers give
 * {@link TtrpcProtocolException}s: lengths are checked before anything is allocated, and no
 * frame is larger than {@link Frame#MAX_PAYLOAD}.
 */
package dev.katadbg.ttrpc;
