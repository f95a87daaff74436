package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

// none is the limit of a process that has none (GOMEMLIMIT=off).
const none int64 = math.MaxInt64

// The cases change the process's limit: they run one after the other and
// put the limit back.
func TestApply(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	tests := []struct {
		name      string
		env       map[string]string
		preset    int64 // what the runtime would have taken from GOMEMLIMIT
		wantLimit int64
	}{
		{name: "unset: the default", env: nil, preset: none, wantLimit: Default},
		{name: "set: the runtime's", env: map[string]string{"GOMEMLIMIT": "1GiB"}, preset: 1 << 30, wantLimit: 1 << 30},
		{name: "off: none", env: map[string]string{"GOMEMLIMIT": "off"}, preset: none, wantLimit: none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(tt.preset)
			Apply(func(k string) string { return tt.env[k] })
			if now := debug.SetMemoryLimit(-1); now != tt.wantLimit {
				t.Errorf("limit in effect = %d, want %d", now, tt.wantLimit)
			}
		})
	}
}
