package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The machine may be shared (another benchmark, a test run): the CPU time
// that neither this program nor the server used, per phase, says whether
// a figure was measured on a quiet machine.

// ourPIDs are the processes under test besides this one (the server),
// set once it runs; hammer measures the rest.
var ourPIDs []int

// disturbedCores is the average CPU use of other processes above which a
// phase is reported as disturbed (system daemons stay well under it).
const disturbedCores = 0.15

// cpuSnapshot holds clock ticks from /proc: all CPUs' busy and total time,
// and the time of the processes under test.
type cpuSnapshot struct {
	busy, total, ours int64
	cpus              int
}

// takeCPU reads /proc/stat and the utime+stime of this program and pids.
func takeCPU(pids ...int) (cpuSnapshot, error) {
	var s cpuSnapshot
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		switch {
		case len(f) > 8 && f[0] == "cpu":
			// user nice system idle iowait irq softirq steal …
			for i, v := range f[1:9] {
				n, _ := strconv.ParseInt(v, 10, 64)
				s.total += n
				if i != 3 && i != 4 {
					s.busy += n
				}
			}
		case strings.HasPrefix(f[0], "cpu"):
			s.cpus++
		}
	}
	for _, p := range append([]int{os.Getpid()}, pids...) {
		t, err := processTicks(p)
		if err != nil {
			return s, err
		}
		s.ours += t
	}
	return s, nil
}

// processTicks is utime+stime of a process, all threads.
func processTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: the fields start after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b)[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k, nil
}

// othersSince is the average number of CPUs that other processes (and the
// hypervisor, as steal time) used between prev and s.
func (s cpuSnapshot) othersSince(prev cpuSnapshot) float64 {
	total := s.total - prev.total
	if total <= 0 || s.cpus == 0 {
		return 0
	}
	others := max(0, (s.busy-prev.busy)-(s.ours-prev.ours))
	return float64(others) / float64(total) * float64(s.cpus)
}
