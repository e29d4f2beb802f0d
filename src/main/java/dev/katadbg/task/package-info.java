/**
 * The shim v2 Task API over ttrpc: {@link TaskClient} (what containerd calls on a shim),
 * {@link EventsService} (what a shim calls on {@code TTRPC_ADDRESS}), {@link TaskEvents} (the
 * event payloads) and {@link TaskJson} (any Task method by name, JSON in and out). The messages
 * are compiled from src/main/proto at build time.
 */
package dev.katadbg.task;
