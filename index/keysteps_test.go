package index

import (
	"fmt"
	"slices"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// manyVersions lists n versions of key, newest first, with ids from
// first+n-1 down to first.
func manyVersions(key string, first, n int) []Version {
	vs := make([]Version, n)
	for i := range vs {
		vs[i] = ver(key, fmt.Sprintf("v%06d", first+n-1-i))
	}
	return vs
}

// wantIDs is ids(vs) with the first marked latest.
func wantIDs(vs []Version) []string {
	out := ids(vs)
	if len(out) > 0 {
		out[0] += "*"
	}
	return out
}

func TestSetKeysVersionsWritesAKeyTooBigForATransaction(t *testing.T) {
	const n = 20000 // four times what one transaction holds
	tests := []struct {
		name   string
		before []Version // stored before the listing, newest first
		listed []Version
	}{
		{"new key", nil, manyVersions("big", 0, n)},
		{"half gone, new ones on top", manyVersions("big", 0, n), manyVersions("big", n/2, n)},
		{"all gone", manyVersions("big", 0, n), nil},
		{"delete marker on top", nil, append([]Version{marker("big", "dm")}, manyVersions("big", 0, n)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			loadVersions(t, d, "bkt", tt.before)
			listedAt := time.Now()
			batch := []KeyListing{
				{Key: "a", Versions: []Version{ver("a", "v1")}, ListedAt: listedAt},
				{Key: "big", Versions: tt.listed, ListedAt: listedAt},
				{Key: "c", Versions: []Version{ver("c", "v1")}, ListedAt: listedAt},
			}
			changed, err := d.SetKeysVersions("bkt", batch)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(changed, []bool{true, true, true}) {
				t.Errorf("changed = %v", changed)
			}
			if got, want := keyVersionIDs(t, d, "bkt", "big"), wantIDs(tt.listed); !slices.Equal(got, want) {
				t.Fatalf("%d versions, want %d; first %v, want %v", len(got), len(want), head(got), head(want))
			}
			for _, k := range []string{"a", "c"} {
				if got := keyVersionIDs(t, d, "bkt", k); !slices.Equal(got, []string{k + "@v1*"}) {
					t.Errorf("%s: %v", k, got)
				}
			}
			live := int64(2)
			if len(tt.listed) > 0 && !tt.listed[0].IsDeleteMarker {
				live++
			}
			checkStats(t, d, Stats{Objects: live, Versions: int64(len(tt.listed) + 2)})
			again, err := d.SetKeyVersions("bkt", "big", tt.listed, time.Now())
			if err != nil || again {
				t.Errorf("the same listing again: changed %v, %v", again, err)
			}
		})
	}
}

// TestKeyInStepsKeepsGatewayWrites writes through the gateway between two
// steps of a key's write: what the gateway wrote must survive, and the
// counters must stay exact.
func TestKeyInStepsKeepsGatewayWrites(t *testing.T) {
	const n = 12000
	tests := []struct {
		name  string
		write func(d *DB) error
		want  func(listed []Version) []Version
	}{
		{"new version on top",
			func(d *DB) error { return d.RecordVersion("bkt", ver("big", "gw")) },
			func(listed []Version) []Version { return append([]Version{ver("big", "gw")}, listed...) }},
		{"listed version removed",
			func(d *DB) error { return d.RemoveVersion("bkt", "big", "v000005") },
			func(listed []Version) []Version {
				return slices.DeleteFunc(slices.Clone(listed), func(v Version) bool { return v.VersionID == "v000005" })
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDB(t)
			listedAt := time.Now()
			for !time.Now().After(listedAt) {
			}
			listed := manyVersions("big", 0, n)
			steps := 0
			stepHook = func() {
				if steps++; steps == 1 {
					if err := tt.write(d); err != nil {
						t.Error(err)
					}
				}
			}
			t.Cleanup(func() { stepHook = nil })
			if _, err := d.SetKeyVersions("bkt", "big", listed, listedAt); err != nil {
				t.Fatal(err)
			}
			if steps == 0 {
				t.Fatal("the key was written in one step")
			}
			want := wantIDs(tt.want(listed))
			if got := keyVersionIDs(t, d, "bkt", "big"); !slices.Equal(got, want) {
				t.Fatalf("%d versions, want %d; first %v, want %v", len(got), len(want), head(got), head(want))
			}
			checkStats(t, d, Stats{Objects: 1, Versions: int64(len(want))})
		})
	}
}

// loadVersions stores vs, one key's versions newest first, as the index
// holds them, bypassing transactions (recording them one by one reads the
// key's versions each time).
func loadVersions(t *testing.T, d *DB, bucket string, vs []Version) {
	t.Helper()
	wb := d.db.NewWriteBatch()
	defer wb.Cancel()
	for i, v := range vs {
		raw, meta, err := encodeVersion(v)
		if err != nil {
			t.Fatal(err)
		}
		keys := [][]byte{versionKey(bucket, v.Key, uint64(len(vs)-i))}
		if i == 0 {
			keys = append(keys, objectKey(bucket, v.Key))
		}
		for _, k := range keys {
			if err := wb.SetEntry(badger.NewEntry(k, raw).WithMeta(meta)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := d.count(); err != nil {
		t.Fatal(err)
	}
}

func head(s []string) []string { return s[:min(3, len(s))] }
