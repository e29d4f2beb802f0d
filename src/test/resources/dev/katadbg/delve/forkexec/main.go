// Command forkexec is the debuggee of DelveClientIT. It behaves like a daemonizing containerd
// shim: run without arguments, it re-executes itself with the argument "child", prints
// "parent done" and exits without waiting; the child calls childWork and exits.
// With the argument "serve" it loops calling tick, for attach tests.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"time"
)

//go:noinline
func childWork() int {
	fmt.Println("child working")
	return 42
}

//go:noinline
func tick(n int) int {
	return n + 1
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		childWork()
		fmt.Println("child done")
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		fmt.Println("serving")
		for n := 0; ; n = tick(n) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "executable:", err)
		os.Exit(1)
	}
	cmd := exec.Command(self, "child")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start child:", err)
		os.Exit(1)
	}
	fmt.Println("parent done")
	// Linger: Delve 1.24 loses a followed child whose first stop races the parent's exit (the
	// child stays in a ptrace stop, and Delve reports the parent's exit instead). katadbg's
	// wrapper avoids that for real shims; this test is about the client, not the race.
	time.Sleep(2 * time.Second)
}
