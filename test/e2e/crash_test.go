package e2e

// Crashes: the gateway killed with SIGKILL during an initial sync, during
// passes and during writes; after a restart nothing acknowledged is missing
// and the gateway converges to the backend.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/ringside/ringside/test/testenv"
)

const crashObjects = 3000

func TestMirrorCrash(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{})
		p := newMirror(t, gw, be, "crash")
		fillBackend(t, be, p.beBucket, crashObjects)

		// SIGKILL during the initial sync, three times: as soon as it has
		// applied something, right after the restart, and a little later.
		createMirrorBucket(t, gw, "crash", "loc-crash")
		caught := killDuringInitialSync(t, gw)
		t.Logf("first kill during the initial sync: %s", caught)
		gw.Start()
		gw.Kill()
		gw.Start()
		caught = killDuringInitialSync(t, gw)
		t.Logf("third kill: %s", caught)
		gw.Start()
		gw.WaitMirrorIdle("crash", 2*time.Minute)
		gw.MustCLI("mirror", "rescan", "crash", "--wait")
		if err := p.compareSample(ctx, 40); err != nil {
			t.Fatalf("after crashes during the initial sync the gateway differs from the backend:\n%v", err)
		}

		// SIGKILL during passes, with writers on both sides.
		acked := crashDuringPasses(t, gw, p)
		gw.Start()
		gw.MustCLI("mirror", "rescan", "crash", "--wait")
		if err := p.compareSample(ctx, 40); err != nil {
			t.Fatalf("after a crash during passes the gateway differs from the backend:\n%v", err)
		}
		checkAcked(t, p, acked)
	})
}

// fillBackend writes n objects directly on the backend with concurrent
// PUTs: n-n/10 keys, n/20 overwritten and n/20 deleted.
func fillBackend(t *testing.T, be *Backend, bucket string, n int) {
	t.Helper()
	ctx := context.Background()
	keys := n - n/10
	jobs := make(chan func() error)
	var wg sync.WaitGroup
	var failed atomic.Value
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	for i := 0; i < keys; i++ {
		key := fmt.Sprintf("crash/%02d/%05d", i%50, i)
		jobs <- func() error {
			_, err := put(ctx, be.S3, bucket, key, payload(uint64(i), 64+i%200), "text/x-crash", map[string]string{"i": fmt.Sprint(i)})
			return err
		}
	}
	close(jobs)
	wg.Wait()
	// The second round after the first so that versions are ordered.
	jobs = make(chan func() error)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				if err := job(); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	for i := 0; i < n/10; i++ {
		key := fmt.Sprintf("crash/%02d/%05d", (i*7)%50, i*7)
		if i%2 == 0 {
			jobs <- func() error {
				_, err := put(ctx, be.S3, bucket, key, []byte("second version"), "text/x-crash-2", nil)
				return err
			}
		} else {
			jobs <- func() error {
				_, err := be.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
				return err
			}
		}
	}
	close(jobs)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		t.Fatalf("fill backend bucket %s: %v", bucket, err)
	}
}

// killDuringInitialSync polls the status and kills the gateway as soon as
// the initial sync has applied something; it says what it caught.
func killDuringInitialSync(t *testing.T, gw *Gateway) string {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		st, err := gw.Admin.MirrorStatus(ctx, "crash")
		if err == nil && (st.InitialSynced > 0 || st.State != "initial-sync") {
			gw.Kill()
			return fmt.Sprintf("state %s, %d versions applied", st.State, st.InitialSynced)
		}
		time.Sleep(5 * time.Millisecond)
	}
	gw.Kill()
	return "no progress seen within 30s"
}

// crashDuringPasses runs writers through the gateway and on the backend,
// kills the gateway in the middle, and returns the gateway writes that
// were acknowledged (key -> version IDs).
func crashDuringPasses(t *testing.T, gw *Gateway, p mirrorPair) map[string][]string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	acked := map[string][]string{}
	var backendOps atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // backend writer
		defer wg.Done()
		r := rand.New(rand.NewPCG(99, 1))
		for i := 0; ctx.Err() == nil; i++ {
			key := fmt.Sprintf("crash/%02d/%05d", r.IntN(50), r.IntN(crashObjects))
			var err error
			if r.IntN(4) == 0 {
				_, err = p.be.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(p.beBucket), Key: aws.String(key)})
			} else {
				_, err = put(ctx, p.be.S3, p.beBucket, key, payload(uint64(i), 100), "text/x-during", nil)
			}
			if err != nil && ctx.Err() == nil {
				t.Errorf("backend write during passes: %v", err)
				return
			}
			backendOps.Add(1)
		}
	}()
	go func() { // gateway writer: errors are expected once it is killed
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			key := fmt.Sprintf("gw/%04d", i)
			out, err := put(ctx, p.gw.S3, p.gwBucket, key, payload(uint64(i), 200), "text/x-gw", nil)
			if err != nil {
				if ctx.Err() == nil {
					time.Sleep(20 * time.Millisecond)
				}
				continue
			}
			mu.Lock()
			acked[key] = append(acked[key], aws.ToString(out.VersionId))
			mu.Unlock()
		}
	}()
	testenv.Eventually(t, time.Minute, "writes during passes", func() error {
		if n := backendOps.Load(); n < 150 {
			return fmt.Errorf("%d backend writes", n)
		}
		return nil
	})
	gw.Kill()
	// Keep writing on the backend while the gateway is down.
	n := backendOps.Load()
	testenv.Eventually(t, time.Minute, "writes while the gateway is down", func() error {
		if backendOps.Load() < n+50 {
			return testenv.ErrNotYet
		}
		return nil
	})
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatalf("no gateway write was acknowledged before the kill")
	}
	return acked
}

// checkAcked checks that every acknowledged gateway write is a version in
// the gateway's listing and on the backend.
func checkAcked(t *testing.T, p mirrorPair, acked map[string][]string) {
	t.Helper()
	ctx := context.Background()
	gwl, err := listVersions(ctx, p.gw.S3, p.gwBucket, "gw/", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	bel, err := listVersions(ctx, p.be.S3, p.beBucket, p.prefix+"gw/", p.prefix, 1000)
	if err != nil {
		t.Fatal(err)
	}
	have := func(l versionListing) map[string]bool {
		m := map[string]bool{}
		for _, v := range l.Versions {
			m[v.Key+"@"+v.VersionID] = true
		}
		return m
	}
	g, b := have(gwl), have(bel)
	for key, ids := range acked {
		for _, id := range ids {
			if !g[key+"@"+id] || !b[key+"@"+id] {
				t.Errorf("acknowledged write %s@%s: in gateway listing %v, on backend %v", key, id, g[key+"@"+id], b[key+"@"+id])
			}
		}
	}
}

// compareSample compares the whole version and object listings, and the
// HEAD of n keys spread over the bucket (HEADs of every key would be slow).
func (p mirrorPair) compareSample(ctx context.Context, n int) error {
	if err := p.compare(ctx, false); err != nil {
		return err
	}
	objs, err := listObjects(ctx, p.be.S3, p.beBucket, p.prefix, p.prefix)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return nil
	}
	step := max(1, len(objs)/n)
	for i := 0; i < len(objs); i += step {
		if err := p.compareHead(ctx, objs[i].Key); err != nil {
			return err
		}
	}
	return nil
}

// TestCrashDuringWrites: SIGKILL while clients write into a prefix-mode
// bucket (no ingester to repair anything): every acknowledged write is
// listed after the restart, and a resync brings in what was in flight.
func TestCrashDuringWrites(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, be *Backend) {
		ctx := context.Background()
		gw := startGateway(t, GatewayOptions{})
		target := be.NewBucket(t, "crash-writes", true)
		gw.AddLocation("ring-p", be, target, false)
		gw.MustCLI("bucket", "create", "docs", "--location", "ring-p")
		p := mirrorPair{gw: gw, be: be, gwBucket: "docs", beBucket: target, prefix: "docs/"}

		var mu sync.Mutex
		acked := map[string][]string{}
		var n atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					key := fmt.Sprintf("gw/%d/%04d", w, i%40)
					out, err := put(ctx, gw.S3, "docs", key, payload(uint64(w*100000+i), 300), "text/x-w", nil)
					if err != nil {
						time.Sleep(10 * time.Millisecond)
						continue
					}
					n.Add(1)
					mu.Lock()
					acked[key] = append(acked[key], aws.ToString(out.VersionId))
					mu.Unlock()
				}
			}()
		}
		testenv.Eventually(t, time.Minute, "writes before the kill", func() error {
			if n.Load() < 200 {
				return testenv.ErrNotYet
			}
			return nil
		})
		gw.Kill()
		close(stop)
		wg.Wait()
		gw.Start()
		checkAcked(t, p, acked)
		gw.MustCLI("bucket", "resync", "docs")
		if err := p.compare(ctx, false); err != nil {
			t.Errorf("after the crash and a resync the gateway differs from the backend:\n%v", err)
		}
	})
}

// TestRestartAfterTornIndexFile: a SIGKILL can land between Badger's
// creation of a memtable file and its first write, leaving an empty
// *.mem file in the index directory. The gateway must start anyway.
func TestRestartAfterTornIndexFile(t *testing.T) {
	t.Parallel()
	gw := startGateway(t, GatewayOptions{})
	gw.Stop()
	indexDir := filepath.Join(gw.DataDir, "index")
	if _, err := os.Stat(indexDir); err != nil {
		t.Fatalf("the index is no longer in %s (%v): update this test to where it lives", indexDir, err)
	}
	if err := os.WriteFile(filepath.Join(indexDir, "00099.mem"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	gw.Start()
}
