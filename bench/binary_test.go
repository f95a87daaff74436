package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// dubanBinary is $DUBAN_BENCH_BIN, or duban built into the benchmark's
// temporary directory.
func dubanBinary(b *testing.B) string {
	b.Helper()
	if bin := os.Getenv("DUBAN_BENCH_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(b.TempDir(), "duban")
	if out, err := exec.Command("go", "build", "-o", bin, "duban/cmd/duban").CombinedOutput(); err != nil {
		b.Fatalf("build duban: %v\n%s", err, out)
	}
	return bin
}
