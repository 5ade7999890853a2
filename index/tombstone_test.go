package index

import (
	"testing"
	"time"
)

// A pass whose listing began before a version was removed through the
// gateway must not bring that version back; a listing that began after the
// removal is believed.
func TestRemovedVersionNotResurrected(t *testing.T) {
	tests := []struct {
		name      string
		listedAt  func(removed time.Time) time.Time
		wantCount int
	}{
		{"listing began before the removal", func(r time.Time) time.Time { return r.Add(-time.Second) }, 1},
		{"listing began after the removal", func(r time.Time) time.Time { return r.Add(time.Second) }, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t)
			for _, id := range []string{"v1", "v2"} {
				if err := db.RecordVersion("b", ver("k", id)); err != nil {
					t.Fatal(err)
				}
			}
			removed := time.Now()
			if err := db.RemoveVersion("b", "k", "v2"); err != nil {
				t.Fatal(err)
			}
			listed := []Version{ver("k", "v2"), ver("k", "v1")}
			if _, err := db.SetKeyVersions("b", "k", listed, tt.listedAt(removed)); err != nil {
				t.Fatal(err)
			}
			vs, err := db.KeyVersions("b", "k")
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != tt.wantCount {
				t.Fatalf("got %d versions %+v, want %d", len(vs), vs, tt.wantCount)
			}
		})
	}
}
