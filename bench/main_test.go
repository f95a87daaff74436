package bench

import (
	"os"
	"testing"

	"duban/internal/memlimit"
)

// TestMain gives the benchmark process the soft memory limit a duban
// process has (cmd/duban applies the same), so that the planning runs'
// peak memory is what serve's would be. The delivery cases lift it (see
// benchDelivery).
func TestMain(m *testing.M) {
	memlimit.Apply(os.Getenv)
	os.Exit(m.Run())
}
