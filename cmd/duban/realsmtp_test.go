package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"duban/internal/testlog"
)

// pythonSMTPServer starts the SMTP server of Python's standard library
// (smtpd.DebuggingServer, Python ≤ 3.11): a server no one here wrote, which
// prints every message it accepts. It returns its port and its output.
func pythonSMTPServer(t *testing.T) (int, *testlog.Buffer) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-W", "ignore", "-c", "import smtpd").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with the smtpd module is needed for this test: %v", err)
		}
		t.Skipf("python3 with the smtpd module not available: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	out := testlog.New()
	cmd := exec.Command(python, "-W", "ignore", "-u", "-m", "smtpd", "-n", "-c", "DebuggingServer",
		fmt.Sprintf("127.0.0.1:%d", port))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	waitForPort(t, port, 20*time.Second)
	return port, out
}

// waitForPort polls until something accepts connections on port.
func waitForPort(t *testing.T, port int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on port %d after %s: %v", port, timeout, err)
		}
	}
}

func TestDeliveryToAnSMTPServerWeDidNotWrite(t *testing.T) {
	t.Parallel()
	port, out := pythonSMTPServer(t)
	dbURL := "sqlite:" + t.TempDir() + "/real.db"
	c := newCLI(t, configWith(dbURL, fmt.Sprintf("\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\ntimeout = \"10s\"\n", port)))
	c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	c.ok("import", c.write("ledger.csv", testLedger))

	if got := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00"); !strings.Contains(got, "delivered 6,") {
		t.Fatalf("run: %q, want 6 delivered", got)
	}
	// The server prints a message before it answers its DATA, so all six
	// are printed by the time run has delivered them.
	printed := out.String()
	if n := strings.Count(printed, "MESSAGE FOLLOWS"); n != 6 {
		t.Fatalf("the server printed %d messages, want 6:\n%s", n, printed)
	}
	for _, to := range []string{"a", "b1", "b2", "c", "l1", "sup"} {
		if want := fmt.Sprintf("To: <%s@jw.example.net>", to); !strings.Contains(printed, want) {
			t.Errorf("no message %s", want)
		}
	}
	if !strings.Contains(printed, "Auto-Submitted: auto-generated") {
		t.Error("messages lack Auto-Submitted")
	}

	c.ok("run", "deadlines", "--as-of", "2025-06-16T10:00")
	if got := c.ok("deliver", "--all"); !strings.Contains(got, "delivered 0") {
		t.Fatalf("deliver after a rerun: %q", got)
	}
	if n := strings.Count(out.String(), "MESSAGE FOLLOWS"); n != 6 {
		t.Fatalf("after the rerun the server printed %d messages, want still 6", n)
	}
	var logs []dispatchJSON
	c.jsonOut(&logs, "logs", "--status", "sent")
	if len(logs) != 6 {
		t.Fatalf("logs: %d sent, want 6", len(logs))
	}
}
