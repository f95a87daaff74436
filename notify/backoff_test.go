package notify

import (
	"testing"
	"time"
)

func TestExponentialBackoff(t *testing.T) {
	t.Parallel()
	backoff := ExponentialBackoff(time.Second)
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{
		{0, time.Second}, {1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second},
		{10, 512 * time.Second}, {40, maxBackoff}, {1000, maxBackoff},
	} {
		for range 20 {
			got := backoff(tc.attempt)
			low, high := time.Duration(float64(tc.want)*0.8), min(time.Duration(float64(tc.want)*1.2), maxBackoff)
			if got < low || got > high {
				t.Fatalf("attempt %d: waited %s, want %s±20%% (at most %s)", tc.attempt, got, tc.want, maxBackoff)
			}
		}
	}
}
