//go:build !unix

package sqlitelock

// Acquire takes no lock where flock(2) does not exist.
func Acquire(string) (func(), error) { return func() {}, nil }
