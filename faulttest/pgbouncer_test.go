package faulttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"duban/internal/testlog"
)

// startPgBouncer runs PgBouncer in transaction mode in front of the
// cluster on pgPort, with two server connections for the whole pool, used
// in turn, and returns the database URL through it. Between two
// transactions a client lands on the other server connection: nothing a
// session keeps (prepared statements, advisory locks, settings) survives. It skips when PgBouncer
// is not installed, unless CI=true.
func startPgBouncer(t *testing.T, pgPort int) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if bin, err = "/usr/sbin/pgbouncer", nil; !fileExists(bin) {
			if os.Getenv("CI") == "true" {
				t.Fatal("pgbouncer is needed for this test (Debian's package pgbouncer)")
			}
			t.Skip("pgbouncer not installed")
		}
	}
	dir, err := os.MkdirTemp("", "duban-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := freeAddr(t)
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	ini := fmt.Sprintf(`[databases]
duban = host=127.0.0.1 port=%d dbname=postgres user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %s
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = 2
server_round_robin = 1
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
`, pgPort, port, filepath.Join(dir, "users.txt"))
	for name, text := range map[string]string{"pgbouncer.ini": ini, "users.txt": `"postgres" ""` + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	// PgBouncer refuses to run as root: it runs as the cluster's owner.
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run pgbouncer as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		if err := os.Chown(dir, uid, -1); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"-u", "postgres"}, args...)
	}
	out := testlog.New()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pgbouncer said:\n%s", out.String())
		}
	})
	eventually(t, 20*time.Second, "pgbouncer listening", func() bool { return listening(addr) })
	return fmt.Sprintf("postgres://postgres@%s/duban?sslmode=disable", addr)
}

// listening tells whether something accepts connections on addr.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Three replicas share one PostgreSQL through PgBouncer in transaction
// mode, with fewer server connections than they use: they migrate the
// database together, run the deadline job and deliver, and every reminder
// arrives once.
func TestReplicasBehindPgBouncerInTransactionMode(t *testing.T) {
	const units, perUnit = 20, 2
	pg := startPrivatePostgres(t)
	r := newRig(t, rigOptions{units: units, dbURL: startPgBouncer(t, pg.port), readURL: pg.url})
	ds := []*daemon{r.serve("replica-a"), r.serve("replica-b"), r.serve("replica-c")}
	waitStarted(t, ds...)
	items := r.importBatch("P", perUnit, today().AddDate(0, 0, 3))
	r.waitReminders(len(items), 2*time.Minute)
	for _, d := range ds {
		d.stop(t)
	}
	x := r.tally()
	checked := r.checkItems(items, "remind-3d")
	if x.lost != 0 || x.duplicates != 0 || x.sent != x.dispatches || x.received != x.dispatches {
		t.Errorf("want every dispatch sent and received once: %s (duplicated: %q)", x, x.dupKeys)
	}
	report(t, "pgbouncer-transaction-mode", x, fmt.Sprintf("reminders=%d items_checked=%d", len(items), checked))
}
