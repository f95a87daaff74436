package bench

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sinkProcess is the SMTP sink running as a child process (cmd/smtpsink).
type sinkProcess struct {
	port     int
	countURL string
	pid      string
}

// startSinkProcess builds and starts cmd/smtpsink; it stops when the
// benchmark ends.
func startSinkProcess(b *testing.B) *sinkProcess {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "smtpsink")
	if out, err := exec.Command("go", "build", "-o", bin, "duban/bench/cmd/smtpsink").CombinedOutput(); err != nil {
		b.Fatalf("build smtpsink: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("smtpsink: %v", err)
	}
	var smtpAddr, countURL string
	if _, err := fmt.Sscanf(strings.TrimSpace(line), "smtp=%s count=%s", &smtpAddr, &countURL); err != nil {
		b.Fatalf("smtpsink said %q: %v", line, err)
	}
	_, port, err := net.SplitHostPort(smtpAddr)
	if err != nil {
		b.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		b.Fatal(err)
	}
	return &sinkProcess{port: p, countURL: countURL, pid: strconv.Itoa(cmd.Process.Pid)}
}

func (s *sinkProcess) Port() int { return s.port }

// Messages asks the sink how many messages it accepted so far.
func (s *sinkProcess) Messages() int64 {
	resp, err := http.Get(s.countURL)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return -1
	}
	n, err := strconv.ParseInt(string(body), 10, 64)
	if err != nil {
		return -1
	}
	return n
}
