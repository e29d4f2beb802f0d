// ttrpcbench: Go's own ttrpc client calling a shim's Task.State, the baseline katadbg's Java
// client is measured against (scripts/bench-ttrpc.sh). Built in GOPATH mode from Debian's
// golang-github-containerd-ttrpc-dev and containerd's generated Task client.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/runtime/v2/task"
	"github.com/containerd/ttrpc"
)

func main() {
	socket := flag.String("socket", "", "shim address (unix:///... or a path)")
	id := flag.String("id", "", "container id")
	ns := flag.String("namespace", "default", "namespace")
	calls := flag.Int("calls", 20000, "measured calls")
	inflight := flag.Int("inflight", 1, "concurrent calls on the one connection")
	flag.Parse()

	conn, err := net.Dial("unix", strings.TrimPrefix(*socket, "unix://"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	tc := task.NewTaskClient(client)
	ctx := namespaces.WithNamespace(context.Background(), *ns)
	req := &task.StateRequest{ID: *id}

	run := func(n int) []time.Duration {
		lat := make([]time.Duration, n)
		var wg sync.WaitGroup
		var next int64
		var mu sync.Mutex
		for w := 0; w < *inflight; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if int(i) >= n {
						return
					}
					t := time.Now()
					if _, err := tc.State(ctx, req); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(1)
					}
					lat[i] = time.Since(t)
				}
			}()
		}
		wg.Wait()
		return lat
	}
	run(*calls / 5) // warm-up
	start := time.Now()
	lat := run(*calls)
	elapsed := time.Since(start)
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	out := map[string]interface{}{
		"client":      "go",
		"inflight":    *inflight,
		"calls":       *calls,
		"callsPerSec": float64(*calls) / elapsed.Seconds(),
		"p50us":       float64(lat[len(lat)/2].Nanoseconds()) / 1000,
		"p99us":       float64(lat[len(lat)*99/100].Nanoseconds()) / 1000,
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
