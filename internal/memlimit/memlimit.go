// Package memlimit gives a duban process its soft memory limit.
//
// Go lets a process's heap grow to twice what is live before it collects.
// A large planning run holds 100–150 MiB at its peak, so without a limit
// the process would reach 300 MiB on a machine an office shares with other
// services; with one, the collector runs more often as the process nears
// it instead. The limit is soft: a run that needs more gets more, at the
// cost of more collection, and is never stopped for it.
package memlimit

import "runtime/debug"

// Default is the soft memory limit of a duban process when the environment
// does not set GOMEMLIMIT.
const Default int64 = 160 << 20

// Apply sets the Default limit unless getenv("GOMEMLIMIT") is set (the Go
// runtime has applied it, or "off", already), and returns the limit in
// effect; math.MaxInt64 means none.
func Apply(getenv func(string) string) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1)
	}
	debug.SetMemoryLimit(Default)
	return Default
}
