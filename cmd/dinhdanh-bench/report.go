package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"text/tabwriter"
)

type report struct {
	LoadGenerator string     `json:"load_generator"`
	Duration      string     `json:"duration_per_endpoint"`
	Concurrency   int        `json:"concurrency"`
	NProc         int        `json:"nproc"`
	GOMAXPROCS    int        `json:"gomaxprocs"`
	GoVersion     string     `json:"go_version"`
	Endpoints     []result   `json:"endpoints"`
	IdleRSSKiB    int64      `json:"server_idle_rss_kib"`
	PeakRSSKiB    int64      `json:"server_peak_rss_kib"`
	RSSAfterKiB   int64      `json:"server_rss_after_kib"`
	ServerLog     logSummary `json:"server_log"`
	Notes         []string   `json:"notes,omitempty"`
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

func kib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/1024) }

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\ndinhdanh-bench: %s, %d workers, %s per endpoint\n", r.LoadGenerator, r.Concurrency, r.Duration)
	fmt.Fprintf(w, "nproc %d, GOMAXPROCS %d, %s\n\n", r.NProc, r.GOMAXPROCS, r.GoVersion)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "endpoint\trequests\terrors\treq/s\tp50\tp99\t")
	for _, e := range r.Endpoints {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f ms\t%.2f ms\t\n", e.Endpoint, e.Requests, e.Errors, e.RPS, e.P50ms, e.P99ms)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nserver RSS: idle %s, peak (VmHWM) %s, after the run %s\n", kib(r.IdleRSSKiB), kib(r.PeakRSSKiB), kib(r.RSSAfterKiB))
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
