package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// ProcMemory is a process's resident memory from /proc/PID/status, in bytes.
type ProcMemory struct {
	HWM, RSS int64 // peak and current resident set
}

// ReadMemory reads VmHWM and VmRSS of pid ("self" for this process).
func ReadMemory(pid string) (ProcMemory, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return ProcMemory{}, err
	}
	var m ProcMemory
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, value, _ := strings.Cut(sc.Text(), ":")
		var dst *int64
		switch name {
		case "VmHWM":
			dst = &m.HWM
		case "VmRSS":
			dst = &m.RSS
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return ProcMemory{}, fmt.Errorf("parse %s %q: %w", name, value, err)
		}
		*dst = kb << 10
	}
	return m, sc.Err()
}

// ResetPeak returns the Go heap to the OS and resets this process's VmHWM
// to its current RSS (Linux ≥ 4.0), so that the next ReadMemory("self")
// tells the peak of what ran in between.
func ResetPeak() error {
	runtime.GC()
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// ticksPerSecond is USER_HZ, 100 on every Linux that Go supports.
const ticksPerSecond = 100

// ReadCPU returns the CPU time (user + system) pid has used so far, from
// fields 14 and 15 of /proc/PID/stat.
func ReadCPU(pid string) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; the fields after it start
	// after its closing parenthesis.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc/%s/stat", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse /proc/%s/stat: utime %q stime %q", pid, fields[11], fields[12])
	}
	return time.Duration(utime+stime) * time.Second / ticksPerSecond, nil
}

// MB formats bytes as mebibytes.
func MB(b int64) float64 { return float64(b) / (1 << 20) }
