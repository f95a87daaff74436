// Package memlimit gives a duban process its soft memory limit.
//
// Go lets a process's heap grow to twice what is live before it collects.
// A planning run over a large ledger holds far more than the idle daemon
// does, and twice that peak would take memory from the other services of a
// machine an office shares; under a limit the collector runs more often as
// the process nears it instead. The limit is soft: a run that needs more
// gets more, at the cost of more collection, and is never stopped for it.
package memlimit

import "runtime/debug"

// Default is the soft memory limit of a duban process when the environment
// does not set GOMEMLIMIT: room for a planning run over a large ledger.
const Default int64 = 160 << 20

// Apply sets the Default limit unless getenv("GOMEMLIMIT") is set (the Go
// runtime has applied it, or "off", already).
func Apply(getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(Default)
}
