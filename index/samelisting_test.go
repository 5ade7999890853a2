package index

import (
	"testing"
	"time"
)

func TestSameListing(t *testing.T) {
	at := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	base := Version{Key: "k", VersionID: "v1", Size: 5, ETag: `"e"`, LastModified: at}
	tests := []struct {
		name string
		edit func(*Version)
		want bool
	}{
		{"identical", func(*Version) {}, true},
		{"listing milliseconds against header seconds", func(v *Version) { v.LastModified = at.Add(456 * time.Millisecond) }, true},
		{"other zone, same instant", func(v *Version) { v.LastModified = at.In(time.FixedZone("CET", 3600)) }, true},
		{"a second apart", func(v *Version) { v.LastModified = at.Add(time.Second) }, false},
		{"a second earlier", func(v *Version) { v.LastModified = at.Add(-time.Second) }, false},
		{"other version", func(v *Version) { v.VersionID = "v2" }, false},
		{"other size", func(v *Version) { v.Size = 6 }, false},
		{"other ETag", func(v *Version) { v.ETag = `"f"` }, false},
		{"delete marker", func(v *Version) { v.IsDeleteMarker = true }, false},
		{"headers differ", func(v *Version) { v.Metadata = map[string]string{"Content-Type": "a/b"} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := base
			tt.edit(&other)
			if got := SameListing(base, other); got != tt.want {
				t.Errorf("SameListing = %v, want %v", got, tt.want)
			}
			if got := SameListing(other, base); got != tt.want {
				t.Errorf("SameListing reversed = %v, want %v", got, tt.want)
			}
		})
	}
}

// A version the gateway wrote (its time from a response header, in
// seconds) and then listed (in milliseconds) keeps its headers and its
// indexing time: it is the same version.
func TestListingKeepsWhatAWriteIndexed(t *testing.T) {
	db, err := OpenInMemory()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateBucket(Bucket{Name: "b", Location: "l"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 1, 2, 3, 0, time.UTC)
	written := Version{Key: "k", VersionID: "v1", Size: 5, ETag: `"e"`, LastModified: at,
		Metadata: map[string]string{"Content-Type": "text/plain"}}
	if err := db.RecordVersion("b", written); err != nil {
		t.Fatal(err)
	}
	listed := written
	listed.Metadata, listed.MetaPending = nil, true
	listed.LastModified = at.Add(250 * time.Millisecond)
	changed, err := db.SetKeyVersions("b", "k", []Version{listed}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Latest("b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if changed || got.MetaPending || got.Metadata["Content-Type"] != "text/plain" {
		t.Fatalf("after the listing: changed %v, record %+v; want it unchanged with its headers", changed, got)
	}
}
