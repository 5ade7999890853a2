package fault

// kill -9 of the gateway under verified load, with out-of-band writers on
// the backend: after N cycles no acknowledged write is missing, the
// gateway's version listing is the backend's, and every version reads
// the backend's bytes.

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

// ack is a write the gateway acknowledged, with what it wrote.
type ack struct {
	key, versionID string
	seed           uint64
	size           int
}

// load runs writers through the gateway and on the backend.
type load struct {
	t       *testing.T
	g       *gateway
	m       *minio
	bucket  string
	stop    context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	acked   []ack
	nAcked  atomic.Int64
	nFailed atomic.Int64 // gateway writes refused or cut, while it was down
	nOOB    atomic.Int64 // backend writes and deletes
}

func startLoad(t *testing.T, g *gateway, m *minio, bucket string, writers int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{t: t, g: g, m: m, bucket: bucket, stop: cancel}
	for w := range writers {
		l.wg.Add(1)
		go l.gatewayWriter(ctx, w)
	}
	l.wg.Add(1)
	go l.backendWriter(ctx)
	return l
}

func (l *load) gatewayWriter(ctx context.Context, w int) {
	defer l.wg.Done()
	for i := 0; ctx.Err() == nil; i++ {
		seed := uint64(w)<<32 | uint64(i)
		a := ack{key: fmt.Sprintf("gw/%d/%03d", w, i%40), seed: seed, size: 100 + int(seed%3000)}
		out, err := put(ctx, l.g.S3, l.bucket, a.key, payload(a.seed, a.size))
		if err != nil {
			l.nFailed.Add(1)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		a.versionID = aws.ToString(out.VersionId)
		l.mu.Lock()
		l.acked = append(l.acked, a)
		l.mu.Unlock()
		l.nAcked.Add(1)
	}
}

func (l *load) backendWriter(ctx context.Context) {
	defer l.wg.Done()
	for i := 0; ctx.Err() == nil; i++ {
		key := fmt.Sprintf("oob/%03d", i%60)
		var err error
		if i%5 == 4 {
			_, err = l.m.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(l.bucket), Key: aws.String(key)})
		} else {
			_, err = put(ctx, l.m.S3, l.bucket, key, payload(uint64(1<<40+i), 50+i%500))
		}
		if err != nil {
			if ctx.Err() == nil {
				l.t.Errorf("out-of-band backend write: %v", err)
			}
			return
		}
		l.nOOB.Add(1)
		time.Sleep(5 * time.Millisecond)
	}
}

// waitMore waits until counter has grown by n.
func waitMore(t *testing.T, what string, counter *atomic.Int64, n int64) {
	t.Helper()
	from := counter.Load()
	testenv.Eventually(t, 2*time.Minute, what, func() error {
		if got := counter.Load() - from; got < n {
			return fmt.Errorf("%d of %d: %w", got, n, testenv.ErrNotYet)
		}
		return nil
	})
}

func TestKillUnderLoad(t *testing.T) {
	m := startMinIO(t)
	// The gateway bucket is a mirror over the backend bucket of the same
	// name, so out-of-band writes show through the gateway.
	m.NewBucket("data")
	g := startGateway(t, time.Minute)
	g.AddLocation("ring", m, "data")
	g.CreateBucket("data", "ring:ingest")

	cycles := pick(3, 10)
	perCycle := int64(pick(150, 400))
	l := startLoad(t, g, m, "data", 4)
	var ready []time.Duration
	for range cycles {
		waitMore(t, "acknowledged writes before the kill", &l.nAcked, perCycle)
		g.Kill()
		waitMore(t, "out-of-band writes while the gateway is down", &l.nOOB, 20)
		start := time.Now()
		g.Start()
		ready = append(ready, time.Since(start))
	}
	waitMore(t, "acknowledged writes after the last restart", &l.nAcked, 50)
	l.stop()
	l.wg.Wait()

	g.CLI("mirror", "rescan", "data", "--wait")
	ctx := context.Background()
	var gw, be []ver
	testenv.Eventually(t, time.Minute, "the gateway's version listing equal to the backend's", func() error {
		var err error
		if gw, err = listVersions(ctx, g.S3, "data"); err != nil {
			return err
		}
		if be, err = listVersions(ctx, m.S3, "data"); err != nil {
			return err
		}
		if d := diff(gw, be); d != "" {
			return fmt.Errorf("listings differ:\n%s", d)
		}
		return nil
	})
	lost := checkAcked(t, gw, be, l.acked)
	reads := checkReads(t, g, m, "data", be, l.acked)
	t.Logf("FIGURES kill -9 under load: %d cycles, %d acknowledged gateway writes (%d refused or cut while down), %d out-of-band backend writes and deletes; %d acknowledged writes lost; %d versions in both listings, %d GETs equal to the backend's bytes; ready after restart in %v",
		cycles, len(l.acked), l.nFailed.Load(), l.nOOB.Load(), lost, len(be), reads, ready)
}

// checkAcked checks that every acknowledged write is a version in both
// listings, and returns how many are not.
func checkAcked(t *testing.T, gw, be []ver, acked []ack) int {
	t.Helper()
	in := func(l []ver) map[string]bool {
		m := make(map[string]bool, len(l))
		for _, v := range l {
			m[v.Key+"@"+v.VersionID] = true
		}
		return m
	}
	g, b := in(gw), in(be)
	lost := 0
	for _, a := range acked {
		id := a.key + "@" + a.versionID
		if !g[id] || !b[id] {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged write %s: in the gateway's listing %v, on the backend %v", id, g[id], b[id])
			}
		}
	}
	return lost
}

// checkReads GETs every version through the gateway and from the backend,
// and checks acknowledged versions hold what was written; it returns the
// number of versions read.
func checkReads(t *testing.T, g *gateway, m *minio, bucket string, versions []ver, acked []ack) int {
	t.Helper()
	ctx := context.Background()
	written := map[string]ack{}
	for _, a := range acked {
		written[a.key+"@"+a.versionID] = a
	}
	jobs := make(chan ver)
	var wg sync.WaitGroup
	var n atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range jobs {
				gb, err := testenv.GetObject(ctx, g.S3, bucket, v.Key, v.VersionID)
				if err != nil {
					t.Errorf("gateway GET %s@%s: %v", v.Key, v.VersionID, err)
					continue
				}
				bb, err := testenv.GetObject(ctx, m.S3, bucket, v.Key, v.VersionID)
				if err != nil {
					t.Errorf("backend GET %s@%s: %v", v.Key, v.VersionID, err)
					continue
				}
				if !bytes.Equal(gb, bb) {
					t.Errorf("GET %s@%s: the gateway's %d bytes differ from the backend's %d", v.Key, v.VersionID, len(gb), len(bb))
				}
				if a, ok := written[v.Key+"@"+v.VersionID]; ok && !bytes.Equal(gb, payload(a.seed, a.size)) {
					t.Errorf("GET %s@%s: not the bytes acknowledged", v.Key, v.VersionID)
				}
				n.Add(1)
			}
		}()
	}
	for _, v := range versions {
		if !v.Marker {
			jobs <- v
		}
	}
	close(jobs)
	wg.Wait()
	return int(n.Load())
}
