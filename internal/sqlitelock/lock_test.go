//go:build unix

package sqlitelock

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOneDaemonPerSQLiteFile(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "duban.db")
	release, err := Acquire("sqlite:" + db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire("sqlite://" + db)
	if err == nil || !strings.Contains(err.Error(), "another duban serve (pid "+strconv.Itoa(os.Getpid())+")") {
		t.Fatalf("second lock: %v, want a refusal naming the holder", err)
	}
	release()
	again, err := Acquire("sqlite:" + db)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
	for _, url := range []string{"postgres://localhost/duban", "sqlite::memory:", "sqlite:"} {
		release, err := Acquire(url)
		if err != nil {
			t.Errorf("Acquire(%q): %v, want no lock", url, err)
			continue
		}
		release()
	}
}
