package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator is a closed loop of keep-alive workers: each worker
// sends its next request as soon as the previous answer is read, which is
// what vegeta's Rate{Freq: 0} with MaxWorkers does. Vegeta is not used
// because v12.13.0 would pull prometheus/prometheus and newer protobuf
// modules into this module's graph for a few dozen lines, and keeping
// every latency gives exact percentiles instead of estimates.
const loadGenerator = "closed-loop keep-alive worker pool (built in, not vegeta)"

// newLoadClient keeps one idle connection per worker so that every
// request reuses a connection (the default keeps only two per host).
func newLoadClient(workers int) *http.Client {
	return &http.Client{
		Transport: newTransport(workers),
		Timeout:   30 * time.Second,
		// The measured endpoints answer directly; a redirect is an error.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func newTransport(conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // loopback only, whatever HTTP_PROXY says
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// errNoWork ends a worker early without counting a request: the
// authorization-code pool ran dry.
var errNoWork = errors.New("no work left")

// outcome is one iteration of a worker.
type outcome struct {
	failure string // empty on success, else a description for diagnosis
	noWork  bool
	// took, when set, is the latency to record instead of the whole
	// iteration's: the one measured request of a multi-request flow.
	took time.Duration
}

type result struct {
	Endpoint   string  `json:"endpoint"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	RPS        float64 `json:"req_per_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	FirstError string  `json:"first_error,omitempty"`
	Note       string  `json:"note,omitempty"`
	RanDry     bool    `json:"ran_out_of_work,omitempty"`
	// How many CPUs the server, this program and other processes used on
	// average during the phase (see cpu.go).
	ServerCPU float64 `json:"server_cpus"`
	BenchCPU  float64 `json:"bench_cpus"`
	OtherCPU  float64 `json:"other_processes_cpus"`
	CPUKnown  bool    `json:"-"`
}

// hammer runs op in a closed loop on `workers` goroutines until d has
// passed, then waits for the requests in flight. Requests and errors
// include those; the rate is over the whole time until the last returned.
func hammer(ctx context.Context, name string, workers int, d time.Duration, op func(context.Context) outcome) result {
	var (
		wg       sync.WaitGroup
		errs     atomic.Int64
		ranDry   atomic.Bool
		firstErr atomic.Pointer[string]
		lat      = make([][]time.Duration, workers) // one slice per worker: no lock on the hot path
	)
	cpu0, cpuErr := takeCPU()
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			lat[w] = make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				o := op(ctx)
				took := time.Since(t0)
				if o.took > 0 {
					took = o.took
				}
				if o.noWork {
					ranDry.Store(true)
					return
				}
				if ctx.Err() != nil {
					return // interrupted: this outcome means nothing
				}
				lat[w] = append(lat[w], took)
				if o.failure != "" {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, &o.failure)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var use cpuUse
	if cpuErr == nil {
		var cpu1 cpuSnapshot
		if cpu1, cpuErr = takeCPU(); cpuErr == nil {
			use = cpu1.since(cpu0)
		}
	}

	all := slices.Concat(lat...)
	slices.Sort(all)
	r := result{Endpoint: name, Requests: len(all), Errors: int(errs.Load()), Seconds: elapsed.Seconds(), RanDry: ranDry.Load(),
		OtherCPU: use.others, ServerCPU: use.server, BenchCPU: use.self, CPUKnown: cpuErr == nil}
	if elapsed > 0 {
		r.RPS = float64(len(all)) / elapsed.Seconds()
	}
	r.P50ms, r.P99ms = ms(percentile(all, 0.50)), ms(percentile(all, 0.99))
	if p := firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	return r
}

// percentile is the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e4) / 100 }

// httpOp sends the request built by build and reads the whole answer, so
// the connection goes back to the pool. Non-2xx answers are failures.
func httpOp(client *http.Client, build func(context.Context) (*http.Request, error)) func(context.Context) outcome {
	return func(ctx context.Context) outcome {
		req, err := build(ctx)
		if errors.Is(err, errNoWork) {
			return outcome{noWork: true}
		}
		if err != nil {
			return outcome{failure: err.Error()}
		}
		resp, err := client.Do(req)
		if err != nil {
			return outcome{failure: err.Error()}
		}
		defer resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return outcome{failure: describe(resp)}
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return outcome{failure: "reading the body: " + err.Error()}
		}
		return outcome{}
	}
}

// describe summarizes an unexpected answer (without its query string,
// which may carry a code) and drains it.
func describe(resp *http.Response) string {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 600))
	_, _ = io.Copy(io.Discard, resp.Body)
	s := fmt.Sprintf("%s %s → %s", resp.Request.Method, resp.Request.URL.Path, resp.Status)
	if loc := resp.Header.Get("Location"); loc != "" {
		s += " Location: " + loc
	}
	if b := strings.TrimSpace(string(body)); b != "" {
		s += ": " + b
	}
	return s
}
