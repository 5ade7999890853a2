package catalog

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ringside/ringside/internal/s3err"
)

func TestCreateBucketDefaultLocation(t *testing.T) {
	ctx := context.Background()
	e := newCatEnv(t, "shared")
	b, err := e.cat.CreateBucket(ctx, "defaulted", "", false, e.ing)
	if err != nil || b.Location != "shared" {
		t.Fatalf("CreateBucket with the default location = %+v, %v", b, err)
	}
	none := newCatEnv(t, "")
	_, err = none.cat.CreateBucket(ctx, "defaulted", "", false, none.ing)
	wantCode(t, err, s3err.InvalidLocationConstraint)
}

// A mirror bucket is handed to the ingester when created and taken from
// it before it is deleted; one the ingester refuses is not kept.
func TestMirrorBucketsReachTheIngester(t *testing.T) {
	ctx := context.Background()
	e := newCatEnv(t, "")
	e.createBucket("plain", "shared")
	e.createBucket("mirrored", "ring:ingest")
	if err := e.cat.DeleteBucket(ctx, "mirrored", e.ing); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.DeleteBucket(ctx, "plain", e.ing); err != nil {
		t.Fatal(err)
	}
	if got, want := e.ing.recorded(), []string{"add mirrored", "remove mirrored"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ingester calls %v, want %v", got, want)
	}

	e.ing.addErr = errors.New("manager stopped")
	_, err := e.cat.CreateBucket(ctx, "refused", "ring", true, e.ing)
	if err == nil || !strings.Contains(err.Error(), "manager stopped") {
		t.Fatalf("CreateBucket with a refusing ingester = %v", err)
	}
	if _, err := e.cat.Bucket(ctx, "refused"); err == nil {
		t.Fatal("the bucket the ingester refused is still there")
	}
}

// Locations and buckets coming and going are logged at info, with a
// bucket's mode, and never with the location's secret.
func TestLifecycleIsLogged(t *testing.T) {
	ctx := context.Background()
	e := newCatEnv(t, "")
	e.createBucket("mirrored", "ring:ingest")
	e.createBucket("plain", "shared")
	if err := e.cat.DeleteBucket(ctx, "plain", e.ing); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.RemoveLocation(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	logs := e.logs.String()
	for _, want := range []string{
		`level=INFO msg="location added" location=ring`,
		`level=INFO msg="location added" location=shared`,
		`level=INFO msg="bucket created" bucket=mirrored location=ring mode=mirror`,
		`level=INFO msg="bucket created" bucket=plain location=shared mode=write-through`,
		`level=INFO msg="bucket deleted" bucket=plain location=shared mode=write-through`,
		`level=INFO msg="location removed" location=shared`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log has no %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, backendSecret) {
		t.Errorf("the log shows a secret:\n%s", logs)
	}
}

// A bucket resolved once is not read from the index again while nothing
// changes, and a missing bucket is never cached.
func TestResolveCachesTargets(t *testing.T) {
	e := newCatEnv(t, "")
	e.createBucket("bkt", "shared")
	first, err := e.cat.Resolve("bkt")
	if err != nil {
		t.Fatal(err)
	}
	if first.Prefix != "bkt/" || first.Key("k") != "bkt/k" || first.Location.Name != "shared" {
		t.Errorf("target = %+v, want location shared with prefix bkt/", first)
	}
	if _, ok := e.cat.clients.cachedTarget("bkt", e.db.CatalogGeneration()); !ok {
		t.Fatal("a resolved bucket is not cached")
	}
	again, err := e.cat.Resolve("bkt")
	if err != nil {
		t.Fatal(err)
	}
	if again.Client != first.Client || again.Bucket != first.Bucket || again.Location != first.Location {
		t.Errorf("second lookup = %+v, want %+v", again, first)
	}
	_, err = e.cat.Resolve("nope")
	wantCode(t, err, s3err.NoSuchBucket)
	if _, ok := e.cat.clients.targets.Load("nope"); ok {
		t.Error("a missing bucket was cached")
	}
}
