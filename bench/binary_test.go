package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// dubanBinary is $DUBAN_BENCH_BIN, or duban built once into a temporary
// directory that lives as long as the test binary.
func dubanBinary(b *testing.B) string {
	b.Helper()
	if bin := os.Getenv("DUBAN_BENCH_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "duban-bench-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "duban")
		out, err := exec.Command("go", "build", "-o", builtBin, "duban/cmd/duban").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return builtBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "build duban: " + e.err.Error() + "\n" + e.out }
