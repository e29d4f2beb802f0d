// FAKE shim for katadbg's fault tests: a Go program with DWARF, so it passes katadbg's
// preflight like a real debug shim, whose `start` misbehaves in a way no real shim does on cue:
// it writes bytes that are not an address to stdout and exits 0 without starting a daemon.
// Every other action exits 0 silently (containerd's cleanup calls `delete`).
package main

import (
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[len(os.Args)-1] == "start" {
		os.Stdout.Write([]byte("\x00\x01garbage \xff\xfe not an address\n"))
	}
	os.Exit(0)
}
