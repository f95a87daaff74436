package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"duban/internal/testlog"
)

// mailpitServer starts mailpit (go install github.com/axllent/mailpit@v1.33.1),
// an SMTP server no one here wrote, and returns its SMTP port and the base
// URL of its HTTP API.
func mailpitServer(t *testing.T) (smtpPort int, api string) {
	t.Helper()
	bin, err := exec.LookPath("mailpit")
	if err != nil {
		bin = filepath.Join(os.Getenv("HOME"), "go", "bin", "mailpit")
		if _, serr := os.Stat(bin); serr != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("mailpit is needed for this test: %v", err)
			}
			t.Skipf("mailpit not installed (go install github.com/axllent/mailpit@v1.33.1): %v", err)
		}
	}
	smtpPort, httpPort := freePort(t), freePort(t)
	out := testlog.New()
	cmd := exec.Command(bin, "--quiet", "--disable-version-check",
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort), "--listen", fmt.Sprintf("127.0.0.1:%d", httpPort))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("mailpit said:\n%s", out.String())
		}
	})
	waitForPort(t, smtpPort, 20*time.Second)
	waitForPort(t, httpPort, 20*time.Second)
	return smtpPort, fmt.Sprintf("http://127.0.0.1:%d/api/v1", httpPort)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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

// mailpitMessage is a message as mailpit's API lists it.
type mailpitMessage struct {
	ID string
	To []struct{ Address string }
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// mailpitMessages waits until mailpit holds n messages and returns them.
func mailpitMessages(t *testing.T, api string, n int) []mailpitMessage {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		var list struct {
			Total    int
			Messages []mailpitMessage
		}
		getJSON(t, api+"/messages?limit=100", &list)
		if list.Total >= n || time.Now().After(deadline) {
			if list.Total != n {
				t.Fatalf("mailpit holds %d messages, want %d", list.Total, n)
			}
			return list.Messages
		}
	}
	return nil
}

func TestDeliveryToAnSMTPServerWeDidNotWrite(t *testing.T) {
	t.Parallel()
	port, api := mailpitServer(t)
	dbURL := "sqlite:" + t.TempDir() + "/real.db"
	c := newCLI(t, configWith(dbURL, fmt.Sprintf("\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = %d\ntls = \"none\"\ntimeout = \"10s\"\n", port)))
	c.env = append(c.env, "DUBAN_MAIL__TRANSPORT=smtp")
	c.ok("import", c.write("ledger.csv", testLedger))

	if got := c.ok("run", "deadlines", "--as-of", "2025-06-16T09:00"); !strings.Contains(got, "delivered 6,") {
		t.Fatalf("run: %q, want 6 delivered", got)
	}
	msgs := mailpitMessages(t, api, 6)
	var to []string
	for _, m := range msgs {
		for _, a := range m.To {
			to = append(to, a.Address)
		}
		var headers map[string][]string
		getJSON(t, api+"/message/"+m.ID+"/headers", &headers)
		if !slices.Equal(headers["Auto-Submitted"], []string{"auto-generated"}) {
			t.Errorf("message to %v has Auto-Submitted %q", m.To, headers["Auto-Submitted"])
		}
	}
	slices.Sort(to)
	want := []string{"a@jw.example.net", "b1@jw.example.net", "b2@jw.example.net", "c@jw.example.net", "l1@jw.example.net", "sup@jw.example.net"}
	if !slices.Equal(to, want) {
		t.Errorf("mailpit got messages to %v, want %v", to, want)
	}

	c.ok("run", "deadlines", "--as-of", "2025-06-16T10:00")
	if got := c.ok("deliver", "--all"); !strings.Contains(got, "delivered 0") {
		t.Fatalf("deliver after a rerun: %q", got)
	}
	mailpitMessages(t, api, 6)
	var logs []dispatchJSON
	c.jsonOut(&logs, "logs", "--status", "sent")
	if len(logs) != 6 {
		t.Fatalf("logs: %d sent, want 6", len(logs))
	}
}
