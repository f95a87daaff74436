package bench

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkIdle starts `duban serve` with the example config (the embedded
// outbox transport, SQLite, the seed ledger imported at first start), waits
// until start-up is over (the process has used no CPU for two seconds),
// leaves it idle for DUBAN_BENCH_IDLE (30s) and reads its resident memory.
func BenchmarkIdle(b *testing.B) {
	bin := dubanBinary(b)
	window := 30 * time.Second
	if v := os.Getenv("DUBAN_BENCH_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("DUBAN_BENCH_IDLE: %v", err)
		}
		window = d
	}
	for range b.N {
		rss, peak := idleRSS(b, bin, window)
		b.ReportMetric(rss, "rss_MiB")
		if err := Record(Row{Case: "idle serve, example config: RSS", Unit: "MiB", Measured: rss,
			Floor: NA, Ratio: NA, Target: "≤ 40 MiB",
			Note: fmt.Sprintf("after %v idle; peak %.0f MiB at start-up", window, peak)}); err != nil {
			b.Fatal(err)
		}
	}
}

// idleRSS runs serve in a fresh directory and returns its RSS after window
// idle and its peak RSS, in MiB.
func idleRSS(b *testing.B, bin string, window time.Duration) (rss, peak float64) {
	dir := b.TempDir()
	root := repoRoot(b)
	copyFile(b, filepath.Join(root, "config.example.toml"), filepath.Join(dir, "duban.toml"))
	if err := os.MkdirAll(filepath.Join(dir, "examples"), 0o755); err != nil {
		b.Fatal(err)
	}
	copyFile(b, filepath.Join(root, "examples", "ledger.csv"), filepath.Join(dir, "examples", "ledger.csv"))

	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	// A free port: another process on this machine may hold 8080.
	cmd.Env = append(os.Environ(), "DUBAN_ADMIN__LISTEN=127.0.0.1:"+strconv.Itoa(freePort(b)), "DUBAN_CONFIG=")
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	pid := strconv.Itoa(cmd.Process.Pid)
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	if err := waitQuiet(pid, 2*time.Second, time.Minute); err != nil {
		b.Fatalf("serve did not settle: %v\n%s", err, logs.String())
	}
	<-time.After(window) // the idle window itself is what is measured
	mem, err := ReadMemory(pid)
	if err != nil {
		b.Fatalf("serve exited while idle: %v\n%s", err, logs.String())
	}
	return MB(mem.RSS), MB(mem.HWM)
}

// waitQuiet waits until pid has used no CPU for quiet, at most limit.
func waitQuiet(pid string, quiet, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last, err := ReadCPU(pid)
	if err != nil {
		return err
	}
	since := time.Now()
	// Polling a process's counters: there is no event to wait on.
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if !time.Now().Before(deadline) {
			break
		}
		cur, err := ReadCPU(pid)
		if err != nil {
			return err
		}
		if cur != last {
			last, since = cur, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return nil
		}
	}
	return fmt.Errorf("still busy after %v", limit)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// repoRoot is the module's root: the parent of this package's directory.
func repoRoot(b *testing.B) string {
	wd, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimSuffix(wd, string(filepath.Separator)+"bench")
}

func copyFile(b *testing.B, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		b.Fatal(err)
	}
}

// freePort is a loopback port nothing listens on right now.
func freePort(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
