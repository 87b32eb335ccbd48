package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The machine may be shared (another benchmark, a test run): the CPU time
// that neither this program nor the server used, per phase, says whether
// a figure was measured on a quiet machine; the server's own CPU time
// gives rates per CPU-second, which other processes disturb less. The
// kernel threads that write the server's commits to disk (kworker) count
// as others: a phase that commits a lot shows some 0.05 CPUs of them.

// serverPID is the server under test, set once it runs (0: none yet).
var serverPID int

// disturbedCores is the average CPU use of other processes above which a
// phase is reported as disturbed (system daemons stay well under it).
const disturbedCores = 0.15

// cpuSnapshot holds clock ticks from /proc: all CPUs' busy and total time,
// and the time of this program and of the server.
type cpuSnapshot struct {
	busy, total, self, server int64
	cpus                      int
}

// takeCPU reads /proc/stat and the utime+stime of this program and the
// server.
func takeCPU() (cpuSnapshot, error) {
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
			// Interrupts are left out of busy: here they are mostly the
			// phase's own loopback traffic and disk writes, which the
			// kernel charges to no process.
			for i, v := range f[1:9] {
				n, _ := strconv.ParseInt(v, 10, 64)
				s.total += n
				switch i {
				case 0, 1, 2, 7:
					s.busy += n
				}
			}
		case len(f) > 0 && strings.HasPrefix(f[0], "cpu"):
			s.cpus++
		}
	}
	if s.self, err = processTicks(os.Getpid()); err != nil {
		return s, err
	}
	if serverPID != 0 {
		if s.server, err = processTicks(serverPID); err != nil {
			return s, err
		}
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
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k, nil
}

// cpuUse is the average number of CPUs used between two snapshots.
type cpuUse struct{ others, self, server float64 }

func (s cpuSnapshot) since(prev cpuSnapshot) cpuUse {
	total := s.total - prev.total
	if total <= 0 || s.cpus == 0 {
		return cpuUse{}
	}
	cpus := func(ticks int64) float64 { return float64(max(0, ticks)) / float64(total) * float64(s.cpus) }
	self, server := s.self-prev.self, s.server-prev.server
	// Other processes, and the hypervisor as steal time.
	return cpuUse{others: cpus(s.busy - prev.busy - self - server), self: cpus(self), server: cpus(server)}
}
