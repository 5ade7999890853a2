package mirror

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// headQueue is how many reads of version headers may wait for a worker.
// The listing never waits on them: past this a job is dropped, the version
// stays MetaPending, and the pass sweeps the index for such versions once
// its listing is done.
const headQueue = 4096

// storeBatch bounds the headers stored in one index transaction, and
// storeWait how long the first of them waits for others. Reads complete one
// at a time; gathering them for a few milliseconds lets one commit store
// many, and a few milliseconds are nothing to a version that waited for a
// listing. A batch is stored at once when no other read is under way: the
// wait would gather nothing, and would delay the end of a sweep and the
// headers of a lone new version.
const (
	storeBatch = 256
	storeWait  = 5 * time.Millisecond
	// readsQueue is how many headers read may wait for the writer: while
	// it commits one batch, the workers read the next ones rather than
	// wait for it, so that the backend sees HeadConcurrency reads at all
	// times even when a commit waits for a flush of the index.
	readsQueue = 4 * storeBatch
)

// headJob is one version whose headers are read from the backend.
type headJob struct {
	key       string // gateway key
	bkey      string // backend key
	versionID string
	etag      string // as listed: headers of other content are not taken
}

// headRead is a job's headers, read and waiting to be stored.
type headRead struct {
	job  headJob
	meta map[string]string
}

// headPool reads version headers with bounded concurrency and stores them
// in the index.
type headPool struct {
	ctx    context.Context
	m      *Manager
	bucket string
	target Target
	block  bool // a resync waits for room rather than dropping a job
	// later: an initial sync reads no headers while it lists, so that the
	// reads, which cost the backend more than the listing, do not slow down
	// the moment every version is listable. Its versions stay MetaPending,
	// persisted in the index rather than queued in memory, and the sweep at
	// the end of the pass reads them, the ones an interrupted attempt left
	// behind included.
	later bool
	prog  *syncProgress // an initial sync's progress, nil otherwise

	once    sync.Once
	jobs    chan headJob
	reads   chan headRead
	pending sync.WaitGroup // jobs queued and not stored or given up
	// unread counts the jobs queued whose read has not ended: none left
	// means that the writer has all the reads it will get for now.
	unread  atomic.Int64
	workers sync.WaitGroup
	writer  sync.WaitGroup
	dropped atomic.Bool
}

func newHeadPool(ctx context.Context, m *Manager, bucket string, t Target, block, later bool, prog *syncProgress) *headPool {
	h := &headPool{
		ctx: ctx, m: m, bucket: bucket, target: t, block: block, later: later, prog: prog,
		jobs:  make(chan headJob, m.headQueue),
		reads: make(chan headRead, readsQueue),
	}
	h.dropped.Store(later)
	return h
}

// start starts the workers and the writer with the first job.
func (h *headPool) start() {
	h.once.Do(func() {
		for range h.m.opts.HeadConcurrency {
			h.workers.Add(1)
			go func() {
				defer h.workers.Done()
				for j := range h.jobs {
					r, ok := h.read(j)
					// Counted before it is handed over, so that the
					// writer, taking the last read, sees none under way.
					h.unread.Add(-1)
					if ok {
						h.reads <- r
					} else {
						h.pending.Done()
					}
				}
			}()
		}
		h.writer.Add(1)
		go func() {
			defer h.writer.Done()
			h.write()
		}()
	})
}

// add queues a job; when the queue is full it drops it, or in blocking
// mode waits for room. Until the listing is done, an initial sync leaves
// the job to the sweep.
func (h *headPool) add(j headJob) error {
	if h.later {
		return nil
	}
	h.start()
	h.pending.Add(1)
	h.unread.Add(1)
	if h.block {
		select {
		case h.jobs <- j:
			return nil
		case <-h.ctx.Done():
			h.giveUp()
			return h.ctx.Err()
		}
	}
	select {
	case h.jobs <- j:
	default:
		h.giveUp()
		h.dropped.Store(true)
	}
	return nil
}

// giveUp uncounts a job that was not queued.
func (h *headPool) giveUp() {
	h.unread.Add(-1)
	h.pending.Done()
}

// finish waits for the queued jobs and, if some were dropped or left for
// later, reads the headers of every version of the bucket still pending.
// stop, asked between chunks of the sweep, ends it early with
// errInterrupted: the versions it has not reached stay pending.
func (h *headPool) finish(ctx context.Context, stop func() bool) error {
	h.pending.Wait()
	if !h.dropped.Load() {
		return nil
	}
	h.block, h.later = true, false
	h.prog.startPhase(PhaseReadingMetadata, h.prog.metadataTotal())
	began := time.Now()
	queued, err := h.sweep(ctx, stop)
	h.pending.Wait()
	if err == nil {
		h.prog.markSwept(time.Now())
		h.m.log.Info("mirror: metadata sweep done", "bucket", h.bucket, "versions", queued,
			"took", time.Since(began).Round(time.Millisecond))
	}
	return err
}

// sweep queues every version of the bucket whose headers are pending,
// reading the index a chunk at a time, and says how many it queued.
func (h *headPool) sweep(ctx context.Context, stop func() bool) (queued int, err error) {
	after := ""
	for {
		var jobs []headJob
		var last string
		n := 0
		err = h.m.db.ScanKeys(h.bucket, after, "", func(key string, versions []index.Version) error {
			for _, v := range versions {
				if v.MetaPending && !v.IsDeleteMarker {
					jobs = append(jobs, headJob{key: key, bkey: h.target.Prefix + key, versionID: v.VersionID, etag: v.ETag})
				}
			}
			last, n = key, n+1
			if n >= scanChunk {
				return errChunkFull
			}
			return nil
		})
		full := errors.Is(err, errChunkFull)
		if err != nil && !full {
			return queued, fmt.Errorf("scan index of %s for pending metadata: %w", h.bucket, err)
		}
		for _, j := range jobs {
			if err := h.add(j); err != nil {
				return queued, err
			}
			queued++
		}
		if !full || ctx.Err() != nil {
			return queued, ctx.Err()
		}
		if stop != nil && stop() {
			return queued, errInterrupted
		}
		after = last
	}
}

// close stops the workers and the writer once the queue is empty.
func (h *headPool) close() {
	close(h.jobs)
	h.workers.Wait()
	close(h.reads)
	h.writer.Wait()
}

// read reads one version's headers. A failure leaves the version pending,
// for the next pass to try again.
func (h *headPool) read(j headJob) (headRead, bool) {
	o, err := h.target.Source.HeadObject(h.ctx, j.bkey, j.versionID)
	if err != nil {
		if !gone(err) && h.ctx.Err() == nil {
			h.m.met.errors.WithLabelValues(h.bucket).Inc()
			h.m.log.Warn("mirror: read version headers", "bucket", h.bucket, "key", j.key, "version", j.versionID, "err", err)
		}
		return headRead{}, false
	}
	if o.ETag != "" && j.etag != "" && o.ETag != j.etag {
		// The version changed in place since it was listed (a null
		// version): the next pass lists the new content and reads again.
		return headRead{}, false
	}
	meta := o.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	return headRead{job: j, meta: meta}, true
}

// write stores the headers read, gathering for up to storeWait what the
// workers read meanwhile, or none when no read is under way.
func (h *headPool) write() {
	batch := make([]headRead, 0, storeBatch)
	wait := time.NewTimer(h.m.storeWait)
	defer wait.Stop()
	for r := range h.reads {
		batch = append(batch[:0], r)
		wait.Reset(h.m.storeWait)
	more:
		for len(batch) < storeBatch && (h.unread.Load() > 0 || len(h.reads) > 0) {
			select {
			case r, ok := <-h.reads:
				if !ok {
					break more
				}
				batch = append(batch, r)
			case <-wait.C:
				break more
			}
		}
		h.store(batch)
		for range batch {
			h.pending.Done()
		}
	}
}

// store writes a batch of headers to the index. A failure leaves its
// versions pending, for the next pass to read again.
func (h *headPool) store(batch []headRead) {
	reads := make([]index.MetadataRead, len(batch))
	for i, r := range batch {
		reads[i] = index.MetadataRead{Key: r.job.key, VersionID: r.job.versionID, ETag: r.job.etag, Metadata: r.meta}
	}
	stored, err := h.m.db.StoreMetadata(h.bucket, reads)
	h.prog.add(int64(len(batch)))
	if err != nil {
		h.m.met.errors.WithLabelValues(h.bucket).Inc()
		h.m.log.Warn("mirror: store version headers", "bucket", h.bucket, "versions", len(batch), "from", batch[0].job.key, "err", err)
		return
	}
	n := 0
	for _, ok := range stored {
		if ok {
			n++
		}
	}
	h.m.met.changes.WithLabelValues(h.bucket, KindMetadata).Add(float64(n))
}

// gone reports a version that no longer exists (or is a delete marker,
// which has no headers to read): the next pass removes or settles it.
func gone(err error) bool {
	var be *backend.Error
	if !errors.As(err, &be) {
		return false
	}
	switch be.Code {
	case "NoSuchKey", "NoSuchVersion", "MethodNotAllowed":
		return true
	}
	return be.Status == http.StatusNotFound || be.Status == http.StatusMethodNotAllowed
}
