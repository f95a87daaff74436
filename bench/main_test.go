package bench

import (
	"os"
	"testing"

	"duban/internal/memlimit"
)

// TestMain runs the SMTP sink when asked to (see startSink), and otherwise
// gives the benchmark process the soft memory limit a duban process has
// (cmd/duban applies the same), so that the planning runs' peak memory is
// what serve's would be.
func TestMain(m *testing.M) {
	if os.Getenv(envSink) != "" {
		serveSink()
		return
	}
	memlimit.Apply(os.Getenv)
	os.Exit(m.Run())
}
