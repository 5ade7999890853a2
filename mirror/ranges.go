package mirror

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/ringside/ringside/index"
)

// backendOversplit is how many ranges per lister a sampled backend gets.
// Sampling the backend guesses where its keys are from a few probes, so
// ranges may hold very different numbers of keys; with more ranges than
// listers, a lister done with a small range takes the next one instead of
// leaving a big range to list alone at the end. The index's splits count
// keys, so its ranges are even and need no more than one per lister.
const backendOversplit = 2

// keyRange is a part of a bucket's key space, listed by itself: the
// gateway keys in (after, through], through "" meaning to the end of the
// bucket. after moves on as the range is applied; done once it is all
// applied. Written with its passState's mu held.
type keyRange struct {
	after   string
	through string
	done    bool
}

// backendAfter is the key marker the range's listing starts from: ""
// from the start of the bucket, as a single stream always listed.
func (r *keyRange) backendAfter(prefix string) string {
	if r.after == "" {
		return ""
	}
	return prefix + r.after
}

// backendThrough is the last backend key of the range, "" for none.
func (r *keyRange) backendThrough(prefix string) string {
	if r.through == "" {
		return ""
	}
	return prefix + r.through
}

// minRangePages is the fewest pages a range is cut for: a bucket of a
// few pages is listed in about the time cutting it would take.
const minRangePages = 4

// rangesFor caps parts at what a bucket of pages pages is worth cutting
// into.
func rangesFor(pages int64, parts int) int {
	return int(min(int64(parts), pages/minRangePages))
}

// rangesOf cuts the keys after start at splits, ascending and after start.
func rangesOf(start string, splits []string) []*keyRange {
	out := make([]*keyRange, 0, len(splits)+1)
	after := start
	for _, s := range splits {
		out = append(out, &keyRange{after: after, through: s})
		after = s
	}
	return append(out, &keyRange{after: after})
}

// planRanges splits what ps has left to list into ranges. With one lister
// there is one range: the single stream from the start. A later pass cuts
// where the index, which then holds about what the backend holds, has as
// many keys in each range; an initial sync, whose index is empty, or a
// pass over a bucket the index holds no key of, samples the backend. A
// bucket of a few pages is not cut.
func (m *Manager) planRanges(ctx context.Context, bucket string, t Target, ps *passState) ([]*keyRange, error) {
	start := strings.TrimPrefix(ps.resume, t.Prefix)
	n := m.opts.ListConcurrency
	if n <= 1 {
		return rangesOf(start, nil), nil
	}
	var splits []string
	from, held := "index", 0
	if !ps.initial {
		var err error
		if splits, held, err = m.db.SplitKeys(bucket, start, n, m.opts.PageSize*minRangePages); err != nil {
			return nil, fmt.Errorf("split the keys of %s: %w", bucket, err)
		}
	}
	if len(splits) == 0 && held == 0 {
		from = "backend"
		var err error
		if splits, err = sampleSplits(ctx, t, start, n*backendOversplit, m.opts.PageSize); err != nil {
			return nil, fmt.Errorf("sample the keys of %s on the backend: %w", bucket, err)
		}
	}
	ranges := rangesOf(start, splits)
	// Routine passes plan their ranges every few seconds: only the syncs
	// say so at info.
	log := m.log.Debug
	if ps.initial || ps.force {
		log = m.log.Info
	}
	log("mirror: listing in key ranges", "bucket", bucket, "ranges", len(ranges), "listers", n,
		"from", from, "after", start, "splits", splits)
	return ranges, nil
}

// listRanges lists ps's unfinished ranges, ListConcurrency at a time, and
// applies each; the first failure stops the others and is returned.
func (m *Manager) listRanges(ctx context.Context, bucket string, t Target, ps *passState, h hooks, heads *headPool) error {
	todo := make(chan *keyRange, len(ps.ranges))
	for _, r := range ps.ranges {
		if !r.done {
			todo <- r
		}
	}
	close(todo)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for range min(max(m.opts.ListConcurrency, 1), len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range todo {
				if err := m.listRange(ctx, bucket, t, ps, h, heads, r); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// syncRanges is what an initial sync persists of its ranges; ps.mu held.
// A single stream from the start persists as KeyMarker, as it always did,
// so that an older ringside can still resume it.
func (ps *passState) syncRanges() (keyMarker string, ranges []index.SyncRange) {
	if len(ps.ranges) == 1 && ps.ranges[0].through == "" {
		return ps.ranges[0].backendAfter(ps.prefix), nil
	}
	for _, r := range ps.ranges {
		ranges = append(ranges, index.SyncRange{After: r.after, Through: r.through, Done: r.done})
	}
	return "", ranges
}

// rangesFromState is the ranges of an initial sync persisted in ranges.
func rangesFromState(ranges []index.SyncRange) []*keyRange {
	out := make([]*keyRange, len(ranges))
	for i, r := range ranges {
		out[i] = &keyRange{after: r.After, through: r.Through, done: r.Done}
	}
	return out
}
