package mirror

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// headQueue is how many reads of version headers may wait for a worker.
// The listing never waits on them: past this a job is dropped, the version
// stays MetaPending, and the pass sweeps the index for such versions once
// its listing is done.
const headQueue = 4096

// headJob is one version whose headers are read from the backend.
type headJob struct {
	key       string // gateway key
	bkey      string // backend key
	versionID string
	etag      string // as listed: headers of other content are not taken
}

// headPool reads version headers with bounded concurrency and stores them
// in the index.
type headPool struct {
	ctx    context.Context
	m      *Manager
	bucket string
	target Target
	block  bool // a resync waits for room rather than dropping a job

	once    sync.Once
	jobs    chan headJob
	pending sync.WaitGroup // jobs queued and not finished
	workers sync.WaitGroup
	dropped atomic.Bool
}

func newHeadPool(ctx context.Context, m *Manager, bucket string, t Target, block bool) *headPool {
	return &headPool{ctx: ctx, m: m, bucket: bucket, target: t, block: block, jobs: make(chan headJob, m.headQueue)}
}

// start starts the workers with the first job.
func (h *headPool) start() {
	h.once.Do(func() {
		for range h.m.opts.HeadConcurrency {
			h.workers.Add(1)
			go func() {
				defer h.workers.Done()
				for j := range h.jobs {
					h.read(j)
					h.pending.Done()
				}
			}()
		}
	})
}

// add queues a job; when the queue is full it drops it, or in blocking
// mode waits for room.
func (h *headPool) add(j headJob) error {
	h.start()
	h.pending.Add(1)
	if h.block {
		select {
		case h.jobs <- j:
			return nil
		case <-h.ctx.Done():
			h.pending.Done()
			return h.ctx.Err()
		}
	}
	select {
	case h.jobs <- j:
	default:
		h.pending.Done()
		h.dropped.Store(true)
	}
	return nil
}

// finish waits for the queued jobs and, if some were dropped, reads the
// headers of every version of the bucket still pending.
func (h *headPool) finish(ctx context.Context) error {
	h.pending.Wait()
	if !h.dropped.Load() {
		return nil
	}
	h.block = true
	err := h.sweep(ctx)
	h.pending.Wait()
	return err
}

// sweep queues every version of the bucket whose headers are pending,
// reading the index a chunk at a time.
func (h *headPool) sweep(ctx context.Context) error {
	after := ""
	for {
		var jobs []headJob
		var last string
		n := 0
		err := h.m.db.ScanKeys(h.bucket, after, "", func(key string, versions []index.Version) error {
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
			return fmt.Errorf("scan index of %s for pending metadata: %w", h.bucket, err)
		}
		for _, j := range jobs {
			if err := h.add(j); err != nil {
				return err
			}
		}
		if !full || ctx.Err() != nil {
			return ctx.Err()
		}
		after = last
	}
}

// close stops the workers once the queue is empty.
func (h *headPool) close() {
	close(h.jobs)
	h.workers.Wait()
}

// read reads one version's headers and stores them. A failure leaves the
// version pending, for the next pass to try again.
func (h *headPool) read(j headJob) {
	o, err := h.target.Source.HeadObject(h.ctx, j.bkey, j.versionID)
	if err != nil {
		if !gone(err) && h.ctx.Err() == nil {
			h.m.met.errors.WithLabelValues(h.bucket).Inc()
			h.m.log.Warn("mirror: read version headers", "bucket", h.bucket, "key", j.key, "version", j.versionID, "err", err)
		}
		return
	}
	if o.ETag != "" && j.etag != "" && o.ETag != j.etag {
		// The version changed in place since it was listed (a null
		// version): the next pass lists the new content and reads again.
		return
	}
	meta := o.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	err = h.m.db.CompleteMetadata(h.bucket, j.key, j.versionID, meta)
	switch {
	case err == nil:
		h.m.met.changes.WithLabelValues(h.bucket, KindMetadata).Inc()
	case !errors.Is(err, index.ErrNotFound):
		h.m.met.errors.WithLabelValues(h.bucket).Inc()
		h.m.log.Warn("mirror: store version headers", "bucket", h.bucket, "key", j.key, "version", j.versionID, "err", err)
	}
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
