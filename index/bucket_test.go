package index

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	d := newDB(t)
	created := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, name := range []string{"b2", "b1", "b10"} {
		if err := d.CreateBucket(Bucket{Name: name, Location: "loc", Created: created}); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.CreateBucket(Bucket{Name: "b1", Location: "other"}); !errors.Is(err, ErrExists) {
		t.Errorf("second CreateBucket: %v, want ErrExists", err)
	}
	if b, err := d.GetBucket("b1"); err != nil || b.Location != "loc" || !b.Created.Equal(created) {
		t.Errorf("GetBucket = %+v, %v", b, err)
	}
	_, err := d.GetBucket("nope")
	wantNotFound(t, err)
	if err := d.PutBucket(Bucket{Name: "b1", Location: "loc", Versioning: "Enabled", Mirror: true}); err != nil {
		t.Fatal(err)
	}
	if err := d.PutBucket(Bucket{Name: "b0"}); err != nil {
		t.Fatal(err)
	}
	if b, err := d.GetBucket("b1"); err != nil || b.Versioning != "Enabled" || !b.Mirror {
		t.Errorf("GetBucket after PutBucket = %+v, %v", b, err)
	}
	bs, err := d.ListBuckets()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if fmt.Sprint(names) != "[b0 b1 b10 b2]" {
		t.Errorf("ListBuckets = %v", names)
	}
	checkStats(t, d, Stats{Buckets: 4})
	wantNotFound(t, d.DeleteBucket("nope"))
	checkStats(t, d, Stats{Buckets: 4})
}

// TestDeleteBucket checks that a bucket goes with its versions and ingest
// state, and that a bucket whose name extends it keeps everything.
func TestDeleteBucket(t *testing.T) {
	tests := []struct {
		name  string
		clear func(d *DB) error
		gone  bool // the bucket record and ingest state go too
	}{
		{"DeleteBucket", func(d *DB) error { return d.DeleteBucket("a") }, true},
		{"ClearBucketObjects", func(d *DB) error { return d.ClearBucketObjects("a") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			for _, name := range []string{"a", "ab"} {
				if err := d.CreateBucket(Bucket{Name: name}); err != nil {
					t.Fatal(err)
				}
				if err := d.PutIngestState(name, IngestState{InitialSyncDone: true, VersionsSynced: 3}); err != nil {
					t.Fatal(err)
				}
				record(t, d, name, ver("k", "v1"), ver("k", "v2"), marker("gone", "dm"))
			}
			if err := tt.clear(d); err != nil {
				t.Fatal(err)
			}
			if vs := keyVersionIDs(t, d, "a", "k"); len(vs) != 0 {
				t.Errorf("versions left: %q", vs)
			}
			_, err := d.Latest("a", "gone")
			wantNotFound(t, err)
			if empty, err := d.BucketIsEmpty("a"); err != nil || !empty {
				t.Errorf("BucketIsEmpty = %v, %v", empty, err)
			}
			_, err = d.GetBucket("a")
			if gone := errors.Is(err, ErrNotFound); gone != tt.gone {
				t.Errorf("GetBucket after %s: %v", tt.name, err)
			}
			s, err := d.GetIngestState("a")
			if err != nil || s.InitialSyncDone == tt.gone {
				t.Errorf("ingest state after %s: %+v, %v", tt.name, s, err)
			}
			if got := keyVersionIDs(t, d, "ab", "k"); fmt.Sprint(got) != "[k@v2* k@v1]" {
				t.Errorf("bucket ab lost versions: %q", got)
			}
			if _, err := d.Latest("ab", "gone"); err != nil {
				t.Errorf("bucket ab lost its delete marker: %v", err)
			}
			buckets := 2
			if tt.gone {
				buckets = 1
			}
			checkStats(t, d, Stats{Buckets: buckets, Objects: 1, Versions: 3})
		})
	}
}

func TestDeleteLargeBucket(t *testing.T) {
	d := newDB(t)
	if err := d.CreateBucket(Bucket{Name: "big"}); err != nil {
		t.Fatal(err)
	}
	const n = 100_000
	bulkLoad(t, d, "big", n)
	checkStats(t, d, Stats{Buckets: 1, Objects: n, Versions: n})
	if err := d.DeleteBucket("big"); err != nil {
		t.Fatal(err)
	}
	r, err := d.ListVersions("big", VersionListParams{})
	if err != nil || len(r.Versions) != 0 {
		t.Errorf("versions left after DeleteBucket: %d, %v", len(r.Versions), err)
	}
	checkStats(t, d, Stats{})
}

func TestBucketIsEmpty(t *testing.T) {
	tests := []struct {
		name   string
		writes []Version
		want   bool
	}{
		{"no versions", nil, true},
		{"only delete markers and noncurrent versions", []Version{ver("a", "v1"), marker("a", "dm"), marker("b", "dm")}, false},
		{"one object", []Version{marker("a", "dm"), ver("b", "v1")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			record(t, d, "bkt", tt.writes...)
			record(t, d, "bkt2", ver("x", "v1"))
			if got, err := d.BucketIsEmpty("bkt"); err != nil || got != tt.want {
				t.Errorf("BucketIsEmpty = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestLocations(t *testing.T) {
	d := newDB(t)
	l := Location{Name: "ring", Endpoint: "http://127.0.0.1:8000", AccessKey: "ak", SecretKey: "sk", TargetBucket: "tb", NoPrefix: true}
	if err := d.CreateLocation(l); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateLocation(l); !errors.Is(err, ErrExists) {
		t.Errorf("second CreateLocation: %v, want ErrExists", err)
	}
	if got, err := d.GetLocation("ring"); err != nil || got != l {
		t.Errorf("GetLocation = %+v, %v", got, err)
	}
	l.Region = "eu"
	if err := d.PutLocation(l); err != nil {
		t.Fatal(err)
	}
	if err := d.PutLocation(Location{Name: "alpha"}); err != nil {
		t.Fatal(err)
	}
	ls, err := d.ListLocations()
	if err != nil || len(ls) != 2 || ls[0].Name != "alpha" || ls[1].Region != "eu" {
		t.Errorf("ListLocations = %+v, %v", ls, err)
	}
	if err := d.DeleteLocation("ring"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, d.DeleteLocation("ring"))
	_, err = d.GetLocation("ring")
	wantNotFound(t, err)
	checkStats(t, d, Stats{})
}

func TestIngestState(t *testing.T) {
	d := newDB(t)
	if s, err := d.GetIngestState("bkt"); err != nil || !reflect.DeepEqual(s, IngestState{}) {
		t.Errorf("GetIngestState of a new bucket = %+v, %v", s, err)
	}
	want := IngestState{KeyMarker: "k", VersionIDMarker: "v", SyncStarted: t0, VersionsSynced: 42, Paused: true,
		SyncRanges: []SyncRange{{Through: "g"}, {After: "g", Through: "p", Done: true}, {After: "r"}}}
	if err := d.PutIngestState("bkt", want); err != nil {
		t.Fatal(err)
	}
	if s, err := d.GetIngestState("bkt"); err != nil || !reflect.DeepEqual(s, want) {
		t.Errorf("GetIngestState = %+v, %v; want %+v", s, err, want)
	}
}
