package main

import (
	"context"
	"sync"
	"time"
)

// sample is what one run of a workload on one path measured.
type sample struct {
	Ops      int64
	Bytes    int64
	Elapsed  time.Duration
	Errors   int64
	FirstErr string
	Lat      []time.Duration
	// BackendCPU and GatewayCPU are the CPU seconds the backend process
	// and ringside used during the sample, -1 when not measured.
	BackendCPU, GatewayCPU float64
	// ClientCPU is the CPU seconds the harness, which is the client,
	// used during the sample; -1 when not measured or when the backend
	// runs inside the harness too.
	ClientCPU float64
}

// opFunc does one operation for worker w (its i-th) and returns the bytes
// it moved.
type opFunc func(ctx context.Context, w, i int) (int64, error)

// workerResult is one worker's share of a sample.
type workerResult struct {
	ops, bytes, errors int64
	firstErr           string
	lat                []time.Duration
}

func (r *workerResult) record(start time.Time, n int64, err error) {
	r.lat = append(r.lat, time.Since(start))
	if err != nil {
		r.errors++
		if r.firstErr == "" {
			r.firstErr = err.Error()
		}
		return
	}
	r.ops++
	r.bytes += n
}

// runFor runs conc workers doing fn back to back until d has passed; the
// elapsed time runs to the end of the last operation.
func runFor(ctx context.Context, conc int, d time.Duration, fn opFunc) sample {
	deadline := time.Now().Add(d)
	return run(ctx, conc, func(ctx context.Context, w int, r *workerResult) {
		for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
			start := time.Now()
			n, err := fn(ctx, w, i)
			r.record(start, n, err)
		}
	})
}

// runCount runs conc workers doing fn n times each.
func runCount(ctx context.Context, conc, n int, fn opFunc) sample {
	return run(ctx, conc, func(ctx context.Context, w int, r *workerResult) {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			start := time.Now()
			b, err := fn(ctx, w, i)
			r.record(start, b, err)
		}
	})
}

func run(ctx context.Context, conc int, work func(context.Context, int, *workerResult)) sample {
	results := make([]workerResult, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w].lat = make([]time.Duration, 0, 256)
			work(ctx, w, &results[w])
		}()
	}
	wg.Wait()
	s := sample{Elapsed: time.Since(start)}
	for _, r := range results {
		s.Ops += r.ops
		s.Bytes += r.bytes
		s.Errors += r.errors
		if s.FirstErr == "" {
			s.FirstErr = r.firstErr
		}
		s.Lat = append(s.Lat, r.lat...)
	}
	return s
}
