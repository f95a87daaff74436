package notify

import (
	"math/rand/v2"
	"time"
)

// maxBackoff caps the wait between two attempts of one message.
const maxBackoff = 6 * time.Hour

// ExponentialBackoff waits base·2^(attempt-1) with ±20% jitter, at most 6h,
// after the attempt-th failure ([mail] retry_base sets base). The jitter
// spreads the retries of a batch that failed together, so that they do not
// hit a recovering server at once.
func ExponentialBackoff(base time.Duration) func(attempt int) time.Duration {
	return func(attempt int) time.Duration {
		d := maxBackoff
		attempt = max(attempt, 1)
		if attempt <= 32 && base > 0 {
			if grown := base << (attempt - 1); grown > 0 && grown>>(attempt-1) == base {
				d = min(grown, maxBackoff)
			}
		}
		jitter := 0.8 + 0.4*rand.Float64()
		return min(time.Duration(float64(d)*jitter), maxBackoff)
	}
}
