//go:build unix

package sqlitelock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Acquire makes sure one daemon at a time serves the SQLite database of
// dbURL: it takes an exclusive flock(2) on PATH.lock and keeps it until
// release is called or the process ends (the kernel releases the lock of a
// process that dies, so a stale lock file never blocks a restart). For
// PostgreSQL and an in-memory database it takes nothing. Only serve takes
// it; the CLI's commands work alongside the daemon.
func Acquire(dbURL string) (release func(), err error) {
	path, ok := sqliteFile(dbURL)
	if !ok {
		return func() {}, nil
	}
	lockPath := path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock sqlite database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := lockHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another duban serve%s is already running on the SQLite database %s (lock %s): "+
				"SQLite allows one daemon; stop it first, or use PostgreSQL to run several replicas", holder, path, lockPath)
		}
		return nil, fmt.Errorf("lock sqlite database %s: %w", lockPath, err)
	}
	// The pid is for the operator reading the file or the message above.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// lockHolder reads the pid the running daemon wrote into the lock file.
func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	pid := strings.TrimSpace(string(b[:n]))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return " (pid " + pid + ")"
}

// sqliteFile returns the file of a sqlite: URL the way the store reads it;
// false for PostgreSQL and for an in-memory database.
func sqliteFile(dbURL string) (string, bool) {
	path, ok := strings.CutPrefix(dbURL, "sqlite:")
	if !ok {
		return "", false
	}
	path = strings.TrimPrefix(path, "//")
	if path == "" || path == ":memory:" {
		return "", false
	}
	return path, true
}
