//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal: what the program writes to tty, the test
// reads from pty.
func openPTY(t *testing.T) (pty, tty *os.File) {
	t.Helper()
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal on this host: %v", err)
	}
	t.Cleanup(func() { pty.Close() })
	if err := unix.IoctlSetPointerInt(int(pty.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(pty.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return pty, tty
}

// On a terminal, an import shows the rows it has read on stderr, one line
// redrawn, and the result on stdout as ever.
func TestImportShowsProgressOnATerminal(t *testing.T) {
	t.Parallel()
	c := newCLI(t, configWith("sqlite:"+filepath.Join(t.TempDir(), "d.db"), ""))
	var ledger strings.Builder
	ledger.WriteString("编号,问题,责任部门,完成时限,整改状态\n")
	for i := range 2500 {
		fmt.Fprintf(&ledger, "N%d,问题,综合科,2025-06-30,未完成\n", i)
	}
	path := c.write("big.csv", ledger.String())

	pty, tty := openPTY(t)
	seen := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(pty) // ends with EIO once the terminal is closed
		seen <- b
	}()
	var stdout bytes.Buffer
	code := run(context.Background(), []string{"--config", c.config, "import", path}, &stdout, tty, c.env)
	tty.Close()
	stderr := string(<-seen)
	if code != 0 || !strings.Contains(stdout.String(), "2500 items, 2500 new") {
		t.Fatalf("import: exit %d\nstdout %q\nstderr %q", code, stdout.String(), stderr)
	}
	// The terminal turns \n into \r\n.
	want := "\rreading big.csv: 1000 rows\rreading big.csv: 2000 rows\rreading big.csv: 2501 rows\r\n"
	if stderr != want {
		t.Errorf("stderr on a terminal %q, want %q", stderr, want)
	}
}
