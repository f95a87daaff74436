//go:build !unix

package main

// lockSQLiteDaemon takes no lock where flock(2) does not exist.
func lockSQLiteDaemon(string) (func(), error) { return func() {}, nil }
