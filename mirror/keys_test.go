package mirror

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ringside/ringside/backend"
	"github.com/ringside/ringside/index"
)

// TestVersionOf pins the one conversion of a backend object: a listing's
// headers are pending (a delete marker has none), a HEAD's are the
// metadata, and times are UTC whatever zone the backend's answer had.
func TestVersionOf(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	at := time.Date(2026, 12, 6, 2, 3, 4, 567_000_000, paris)
	obj := backend.Object{Key: "p/k", VersionID: "v1", Size: 5, ETag: `"e"`, LastModified: at}
	marker := backend.Object{Key: "p/k", VersionID: "v2", IsDeleteMarker: true, LastModified: at}
	withMeta := obj
	withMeta.Metadata = map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-A": "1"}
	emptyMeta := obj
	emptyMeta.Metadata = map[string]string{}
	tests := []struct {
		name        string
		o           backend.Object
		headers     bool
		wantPending bool
		wantMeta    map[string]string
	}{
		{"listed version", obj, false, true, nil},
		{"listed delete marker", marker, false, false, nil},
		{"head with metadata", withMeta, true, false, withMeta.Metadata},
		{"head without metadata", emptyMeta, true, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := versionOf("k", tt.o, tt.headers)
			if v.Key != "k" || v.VersionID != tt.o.VersionID || v.IsDeleteMarker != tt.o.IsDeleteMarker ||
				v.Size != tt.o.Size || v.ETag != tt.o.ETag {
				t.Errorf("record %+v does not carry the object %+v", v, tt.o)
			}
			if v.LastModified.Location() != time.UTC || !v.LastModified.Equal(at) {
				t.Errorf("LastModified = %v, want %v in UTC", v.LastModified, at)
			}
			if v.MetaPending != tt.wantPending {
				t.Errorf("MetaPending = %v, want %v", v.MetaPending, tt.wantPending)
			}
			if !sameMeta(v.Metadata, tt.wantMeta) || (tt.wantMeta == nil && v.Metadata != nil) {
				t.Errorf("Metadata = %#v, want %#v", v.Metadata, tt.wantMeta)
			}
		})
	}
}

// The one-key paths a read through the gateway takes: a point read indexes
// what the backend has, reading one version indexes nothing, a refresh
// makes the key's versions the backend's, and missing keys and versions
// are index.ErrNotFound.
func TestOneKeyPaths(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, testOptions())
	h.createBucket("b", false)
	h.prefixes["b"] = "pre/"
	v1 := h.be.put("pre/k", "one", meta("Content-Type", "text/plain"))

	got, err := h.m.PointRead(ctx, "b", "k")
	if err != nil || got.VersionID != v1.id || got.MetaPending || got.Metadata["Content-Type"] != "text/plain" {
		t.Fatalf("PointRead = %+v, %v", got, err)
	}
	if l := h.latest("b", "k"); l.VersionID != v1.id || l.Metadata["Content-Type"] != "text/plain" {
		t.Fatalf("indexed after a point read: %+v", l)
	}
	if _, err := h.m.PointRead(ctx, "b", "missing"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("PointRead of a missing key = %v, want ErrNotFound", err)
	}

	v2 := h.be.put("pre/k", "two", meta("Content-Type", "image/png"))
	if got, err := h.m.ReadVersion(ctx, "b", "k", v2.id); err != nil || got.ETag != v2.etag {
		t.Fatalf("ReadVersion = %+v, %v", got, err)
	}
	if l := h.latest("b", "k"); l.VersionID != v1.id {
		t.Fatalf("ReadVersion indexed a version: latest is %s", l.VersionID)
	}
	if _, err := h.m.ReadVersion(ctx, "b", "k", "nope"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("ReadVersion of a missing version = %v, want ErrNotFound", err)
	}

	h.be.deleteVersion("pre/k", v1.id)
	got, err = h.m.RefreshKey(ctx, "b", "k")
	if err != nil || got.VersionID != v2.id || got.MetaPending || got.Metadata["Content-Type"] != "image/png" {
		t.Fatalf("RefreshKey = %+v, %v", got, err)
	}
	vs, err := h.db.KeyVersions("b", "k")
	if err != nil || len(vs) != 1 || vs[0].VersionID != v2.id || vs[0].MetaPending {
		t.Fatalf("index after a refresh = %+v, %v; want only %s with its headers", vs, err, v2.id)
	}
	h.be.deleteVersion("pre/k", v2.id)
	if _, err := h.m.RefreshKey(ctx, "b", "k"); !errors.Is(err, index.ErrNotFound) {
		t.Fatalf("RefreshKey of a key the backend lost = %v, want ErrNotFound", err)
	}
}

// Complete reads and indexes the headers of a listed version, but never
// stores them over a null version replaced since it was listed.
func TestCompleteStoresOnlyWhatItRead(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, testOptions())
	h.createBucket("b", false)
	h.be.putNull("k", "old", meta("Content-Type", "text/plain"))
	listed := versionOf("k", h.be.latest("k").object("k", true), false)
	if _, err := h.db.SetKeyVersions("b", "k", []index.Version{listed}, time.Now()); err != nil {
		t.Fatal(err)
	}
	got := h.m.Complete(ctx, "b", h.latest("b", "k"))
	if got.MetaPending || got.Metadata["Content-Type"] != "text/plain" {
		t.Fatalf("Complete = %+v", got)
	}
	if l := h.latest("b", "k"); l.MetaPending || l.Metadata["Content-Type"] != "text/plain" {
		t.Fatalf("indexed after Complete: %+v", l)
	}

	h.be.putNull("k2", "old", meta("Content-Type", "text/plain"))
	listed = versionOf("k2", h.be.latest("k2").object("k2", true), false)
	if _, err := h.db.SetKeyVersions("b", "k2", []index.Version{listed}, time.Now()); err != nil {
		t.Fatal(err)
	}
	h.be.putNull("k2", "replaced", meta("Content-Type", "image/png"))
	h.m.Complete(ctx, "b", h.latest("b", "k2"))
	if l := h.latest("b", "k2"); !l.MetaPending || l.Metadata != nil {
		t.Fatalf("headers of the replacing content were stored on the listed one: %+v", l)
	}
}
