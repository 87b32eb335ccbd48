package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
)

type report struct {
	LoadGenerator string       `json:"load_generator"`
	Duration      string       `json:"duration_per_endpoint"`
	Concurrency   int          `json:"concurrency"`
	NProc         int          `json:"nproc"`
	GOMAXPROCS    int          `json:"gomaxprocs"`
	GoVersion     string       `json:"go_version"`
	Endpoints     []result     `json:"endpoints"`
	IdleRSSKiB    int64        `json:"server_idle_rss_kib"`
	PeakRSSKiB    int64        `json:"server_peak_rss_kib"`
	RSSAfterKiB   int64        `json:"server_rss_after_kib"`
	ServerLog     logSummary   `json:"server_log"`
	Login         *loginResult `json:"password_login,omitempty"`
	Notes         []string     `json:"notes,omitempty"`
}

func newReport(o options) *report {
	return &report{
		LoadGenerator: loadGenerator,
		Duration:      o.duration.String(),
		Concurrency:   o.concurrency,
		NProc:         runtime.NumCPU(), // like nproc: honours the CPU affinity mask
		GOMAXPROCS:    runtime.GOMAXPROCS(0),
		GoVersion:     runtime.Version(),
		Notes:         []string{"the load generator and the server share the machine's CPUs"},
	}
}

// rate prints small rates (password logins) with a decimal.
func rate(v float64) string {
	if v < 100 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func kib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/1024) }

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\ndinhdanh-bench: %s, %d workers, %s per endpoint\n", r.LoadGenerator, r.Concurrency, r.Duration)
	fmt.Fprintf(w, "nproc %d, GOMAXPROCS %d, %s\n\n", r.NProc, r.GOMAXPROCS, r.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "endpoint\trequests\terrors\treq/s\tp50\tp99\tCPUs: server\tbench\tothers\t")
	var disturbed []string
	for _, e := range r.Endpoints {
		server, bench, other := "?", "?", "?"
		if e.CPUKnown {
			server, bench, other = fmt.Sprintf("%.2f", e.ServerCPU), fmt.Sprintf("%.2f", e.BenchCPU), fmt.Sprintf("%.2f", e.OtherCPU)
			if e.OtherCPU > disturbedCores {
				other += " !"
				disturbed = append(disturbed, e.Endpoint)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%.2f ms\t%.2f ms\t%s\t%s\t%s\t\n", e.Endpoint, e.Requests, e.Errors, rate(e.RPS), e.P50ms, e.P99ms, server, bench, other)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "CPUs: average use (of %d) by the server, this program and other processes during the phase\n", r.NProc)
	if len(disturbed) > 0 {
		fmt.Fprintf(w, "DISTURBED: other processes used more than %.2f CPUs during: %s\n", disturbedCores, strings.Join(disturbed, ", "))
	}
	fmt.Fprintf(w, "\nserver RSS: idle %s, peak (VmHWM) %s, after the run %s\n", kib(r.IdleRSSKiB), kib(r.PeakRSSKiB), kib(r.RSSAfterKiB))
	if r.Login != nil {
		r.Login.print(w, r.IdleRSSKiB)
	}
	l := r.ServerLog
	fmt.Fprintf(w, "server log: %d lines, %d errors, %d warnings, %d SQLITE_BUSY/locked\n", l.Lines, l.Errors, l.Warnings, l.SQLiteBusy)
	for _, s := range l.Samples {
		fmt.Fprintln(w, "  ", s)
	}
	for _, e := range r.Endpoints {
		if e.Note != "" {
			fmt.Fprintf(w, "note (%s): %s\n", e.Endpoint, e.Note)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	for _, e := range r.Endpoints {
		if e.FirstError != "" {
			fmt.Fprintf(w, "first error (%s): %s\n", e.Endpoint, e.FirstError)
		}
	}
}

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func (l *loginResult) print(w io.Writer, idleKiB int64) {
	fmt.Fprintf(w, "\npassword login (%d accounts; argon2id m=%d KiB t=%d p=%d, %s per hash):\n",
		l.Accounts, l.ArgonMemoryKiB, l.ArgonTime, l.ArgonThreads, kib(int64(l.ArgonMemoryKiB)))
	fmt.Fprintf(w, "  logins/s %.1f, hashing bound %.1f hashes/s (in-process, %d goroutines, %.1f ms a hash; one hash per login): %.0f%% of the bound\n",
		l.LoginsPerSec, l.HashesPerSec, l.HashGoroutines, l.HashMs, pct(l.LoginsPerSec, l.HashesPerSec))
	if l.HashCPUs > 0 && l.LoginServerCPUs > 0 {
		// Other processes take CPUs away from both; per CPU-second, the
		// comparison holds on a shared machine too.
		perLogin, perHash := l.LoginsPerSec/l.LoginServerCPUs, l.HashesPerSec/l.HashCPUs
		fmt.Fprintf(w, "  per CPU-second: %.1f logins (server, %.2f CPUs) vs %.1f hashes (in-process, %.2f CPUs): %.0f%%\n",
			perLogin, l.LoginServerCPUs, perHash, l.HashCPUs, pct(perLogin, perHash))
	}
	fmt.Fprintf(w, "  SMS code verifications/s %.0f (no argon2; %d codes)\n", l.OTPPerSec, l.OTPCodes)
	fmt.Fprintf(w, "  hash memory: %d concurrent hashes (server cap) × %s = %s; %d uncapped would need %s\n",
		l.HashCap, kib(int64(l.ArgonMemoryKiB)), kib(l.HashBoundKiB), l.StormWorkers, kib(int64(l.StormWorkers)*int64(l.ArgonMemoryKiB)))
	hwm := "VmHWM during it"
	if !l.StormHWMReset {
		hwm = "VmHWM of the run (not reset)"
	}
	fmt.Fprintf(w, "  server RSS, sampled every 100 ms: peak %s with %d concurrent logins; with %d: peak %s (%d samples), %s %s\n",
		kib(l.LoginPeakRSSKiB), l.LoginWorkers, l.StormWorkers, kib(l.StormPeakRSSKiB), l.StormSamples, hwm, kib(l.StormHWMKiB))
	// Go's collector lets the heap grow by GOGC% of what was live at the
	// last collection before it collects again: hashes freed since then
	// still count.
	gogc := 100
	if v, err := strconv.Atoi(os.Getenv("GOGC")); err == nil && v > 0 {
		gogc = v // the server inherits this program's environment
	}
	withGC := idleKiB + l.HashBoundKiB*int64(100+gogc)/100
	fmt.Fprintf(w, "  expected: idle %s + hash memory %s = %s; with the collector's headroom (GOGC=%d) %s\n",
		kib(idleKiB), kib(l.HashBoundKiB), kib(idleKiB+l.HashBoundKiB), gogc, kib(withGC))
	peak := max(l.StormPeakRSSKiB, l.StormHWMKiB)
	fmt.Fprintf(w, "  %d concurrent logins: peak − idle = %s = %.1f × the capped hash memory (%+.1f MiB against %d concurrent logins)\n",
		l.StormWorkers, kib(peak-idleKiB), float64(peak-idleKiB)/float64(l.HashBoundKiB),
		float64(l.StormPeakRSSKiB-l.LoginPeakRSSKiB)/1024, l.LoginWorkers)
}

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}
