package bench

import (
	"bytes"
	"fmt"
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
// then reads its resident memory and the CPU it uses over an idle window
// of a minute ($DUBAN_BENCH_IDLE shortens it for a quick look).
func BenchmarkIdle(b *testing.B) {
	bin := dubanBinary(b)
	window := time.Minute
	if v := os.Getenv("DUBAN_BENCH_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("DUBAN_BENCH_IDLE: %v", err)
		}
		window = d
	}
	for range b.N {
		benchIdle(b, bin, window)
	}
}

func benchIdle(b *testing.B, bin string, window time.Duration) {
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
	started := time.Now()
	if err := waitQuiet(pid, 2*time.Second, time.Minute); err != nil {
		b.Fatalf("serve did not settle: %v\n%s", err, logs.String())
	}
	settled := time.Since(started)
	mem0, err := ReadMemory(pid)
	if err != nil {
		b.Fatalf("serve exited: %v\n%s", err, logs.String())
	}
	cpu0, err := ReadCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	<-time.After(window) // the idle window itself is what is measured
	cpu1, err := ReadCPU(pid)
	if err != nil {
		b.Fatalf("serve exited while idle: %v\n%s", err, logs.String())
	}
	mem1, err := ReadMemory(pid)
	if err != nil {
		b.Fatal(err)
	}
	used := cpu1 - cpu0
	b.Logf("settled after %v; RSS %.1f MiB (peak %.1f), after %v idle RSS %.1f MiB, CPU %v",
		settled.Round(time.Millisecond), MB(mem0.RSS), MB(mem0.HWM), window, MB(mem1.RSS), used)
	b.ReportMetric(MB(mem0.RSS), "rss_MiB")
	b.ReportMetric(MB(mem0.HWM), "peak_MiB")
	b.ReportMetric(float64(used.Milliseconds()), "idle_cpu_ms")
	if err := Record(Row{Bench: "idle", Case: "serve, example config: RSS after start-up", Unit: "MiB",
		Duban: MB(mem0.RSS), Floor: NA, Ratio: NA, Target: "≤ 40", MemMB: MB(mem0.HWM), MemMax: "(peak)",
		Note: fmt.Sprintf("settled %.1fs after start; RSS %.1f MiB after the idle window", settled.Seconds(), MB(mem1.RSS))}); err != nil {
		b.Fatal(err)
	}
	if err := Record(Row{Bench: "idle", Case: fmt.Sprintf("serve, CPU over %v idle", window), Unit: "ms",
		Duban: float64(used.Milliseconds()), Floor: NA, Ratio: NA, Target: "≈ 0", MemMB: NA,
		Note: "utime+stime from /proc/PID/stat, 10 ms ticks"}); err != nil {
		b.Fatal(err)
	}
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
