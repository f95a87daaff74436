package faulttest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// privatePG is a PostgreSQL cluster of this test alone, in a temporary
// directory on a free port, so that it can be stopped and restarted
// without disturbing the shared test database other packages use.
type privatePG struct {
	t      *testing.T
	bin    string   // directory of pg_ctl, initdb
	asUser []string // runuser prefix when running as root
	data   string
	port   int
	url    string
}

// startPrivatePostgres initialises and starts a cluster. It skips the test
// when the PostgreSQL server binaries are not installed, unless CI=true.
func startPrivatePostgres(t *testing.T) *privatePG {
	t.Helper()
	skip := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format+" (required when CI=true)", args...)
		}
		t.Skipf(format, args...)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(dirs) == 0 {
		skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: cannot run a private cluster")
	}
	sort.Strings(dirs)
	pg := &privatePG{t: t, bin: filepath.Dir(dirs[len(dirs)-1])}

	data, err := os.MkdirTemp("", "duban-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(data) })
	pg.data = data
	// initdb refuses to run as root: run the cluster as the postgres user.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skip("running as root and there is no postgres user to own a private cluster")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	addr := freeAddr(t)
	pg.port, _ = strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	pg.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)

	pg.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
	pg.start()
	t.Cleanup(func() { pg.ctl("stop", "-m", "immediate") })
	return pg
}

func (pg *privatePG) run(tool string, args ...string) string {
	pg.t.Helper()
	argv := append(append(append([]string(nil), pg.asUser...), filepath.Join(pg.bin, tool)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		pg.t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// ctl runs pg_ctl, reporting failure instead of stopping the test (for cleanup).
func (pg *privatePG) ctl(args ...string) {
	argv := append(append(append([]string(nil), pg.asUser...), filepath.Join(pg.bin, "pg_ctl"), "-D", pg.data, "-w"), args...)
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		pg.t.Logf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func (pg *privatePG) start() {
	pg.t.Helper()
	pg.run("pg_ctl", "-D", pg.data, "-w", "-l", filepath.Join(pg.data, "server.log"),
		"-o", fmt.Sprintf("-p %d -h 127.0.0.1 -k %s -F", pg.port, pg.data), "start")
}

func (pg *privatePG) stop() {
	pg.t.Helper()
	pg.run("pg_ctl", "-D", pg.data, "-w", "-m", "fast", "stop")
}
