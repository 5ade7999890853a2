package catalog

import (
	"context"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

func TestAddLocationRefusals(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadEndpoint := "http://" + closed.Addr().String()
	closed.Close()

	tests := []struct {
		name    string
		edit    func(*index.Location)
		message string // a part of the message that says what to fix
	}{
		{"bad name", func(l *index.Location) { l.Name = "Bad Name" }, "lowercase"},
		{"name with a colon", func(l *index.Location) { l.Name = "ring:ingest" }, "lowercase"},
		{"bad target bucket", func(l *index.Location) { l.TargetBucket = "No_Such" }, "Target bucket"},
		{"bad endpoint", func(l *index.Location) { l.Endpoint = "ftp://host" }, "scheme"},
		{"no secret", func(l *index.Location) { l.SecretKey = "" }, "secret key"},
		{"unreachable", func(l *index.Location) { l.Endpoint = deadEndpoint }, "did not answer"},
		{"wrong secret", func(l *index.Location) { l.SecretKey = "wrong-secret-0123456789" }, "credentials"},
		{"missing target bucket", func(l *index.Location) { l.TargetBucket = "nosuchbucket" }, "create it there"},
		{"existing name", func(l *index.Location) { l.Name = "ring" }, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := e.db.ListLocations()
			l := e.location("fresh", "ring", false)
			tt.edit(&l)
			_, err := e.cat.AddLocation(ctx, l)
			ge, ok := err.(*s3err.Error)
			if !ok {
				t.Fatalf("AddLocation = %v, want a *Error", err)
			}
			if ge.Status < 400 || !strings.Contains(ge.Message, tt.message) {
				t.Errorf("AddLocation = %d %s %q; want a message with %q", ge.Status, ge.Code, ge.Message, tt.message)
			}
			if strings.Contains(ge.Message, l.SecretKey) && l.SecretKey != "" {
				t.Errorf("the message shows the secret: %q", ge.Message)
			}
			after, _ := e.db.ListLocations()
			if !reflect.DeepEqual(before, after) {
				t.Errorf("locations changed: %v -> %v", before, after)
			}
		})
	}
}

func TestAddLocationShowsLocation(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	l := e.location("extra", "shared", true)
	l.Endpoint = strings.TrimPrefix(l.Endpoint, "http://") // host:port means http
	info, err := e.cat.AddLocation(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if info.Endpoint != e.backend.URL() {
		t.Errorf("endpoint = %q, want %q", info.Endpoint, e.backend.URL())
	}
	if info.SecretKey != "" {
		t.Errorf("the catalog handed out the secret as %q", info.SecretKey)
	}
	if info.Versioning != "Enabled" || info.Mirroring != "off" {
		t.Errorf("versioning %q, mirroring %q; want Enabled, off", info.Versioning, info.Mirroring)
	}
	if info.Warning != "Storing multiple buckets in a location with this option enabled can lead to data loss" {
		t.Errorf("no-prefix warning = %q", info.Warning)
	}
	stored, err := e.db.GetLocation("extra")
	if err != nil || stored.SecretKey != backendSecret || stored.Region != "us-east-1" {
		t.Errorf("stored location = %+v, %v", stored, err)
	}

	e.createBucket("mirrored", "ring:ingest")
	e.createBucket("plain", "shared")
	infos, err := e.cat.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]LocationInfo{}
	for _, i := range infos {
		got[i.Name] = i
		if i.SecretKey != "" {
			t.Errorf("location %s shows its secret", i.Name)
		}
	}
	if r := got["ring"]; r.Mirroring != "active" || !reflect.DeepEqual(r.Buckets, []string{"mirrored"}) {
		t.Errorf("ring: mirroring %q buckets %v", r.Mirroring, r.Buckets)
	}
	if s := got["shared"]; s.Mirroring != "off" || s.Warning != "" || !reflect.DeepEqual(s.Buckets, []string{"plain"}) {
		t.Errorf("shared: mirroring %q warning %q buckets %v", s.Mirroring, s.Warning, s.Buckets)
	}
	if err := e.db.PutIngestState("mirrored", index.IngestState{Paused: true}); err != nil {
		t.Fatal(err)
	}
	if r, err := e.cat.Location(ctx, "ring"); err != nil || r.Mirroring != "paused" {
		t.Errorf("Location(ring) = mirroring %q, %v; want paused", r.Mirroring, err)
	}
	if _, err := e.cat.Location(ctx, "nowhere"); err == nil || err.(*s3err.Error).Code != "NoSuchLocation" {
		t.Errorf("Location(nowhere) = %v, want NoSuchLocation", err)
	}
}

func TestRemoveLocation(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	e.createBucket("plain", "shared")
	err := e.cat.RemoveLocation(ctx, "shared")
	if ge, ok := err.(*s3err.Error); !ok || ge.Code != "LocationInUse" || !strings.Contains(ge.Message, "plain") {
		t.Fatalf("RemoveLocation(shared) = %v, want LocationInUse naming bucket plain", err)
	}
	if _, err := e.db.GetLocation("shared"); err != nil {
		t.Fatalf("refused removal removed the location: %v", err)
	}
	if err := e.cat.RemoveLocation(ctx, "nowhere"); err == nil || err.(*s3err.Error).Code != "NoSuchLocation" {
		t.Errorf("RemoveLocation(nowhere) = %v, want NoSuchLocation", err)
	}
	if err := e.cat.DeleteBucket(ctx, "plain", e.ing); err != nil {
		t.Fatal(err)
	}
	if err := e.cat.RemoveLocation(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.GetLocation("shared"); err == nil {
		t.Fatal("location still there")
	}
}

// A location shows its backend's health as the breaker of its client sees
// it: up while it answers, and unreachable with the cause once calls go
// unanswered.
func TestLocationShowsBackendHealth(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	e.createBucket("photos", "shared")
	target, err := e.cat.Resolve("photos")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := e.cat.Location(ctx, "shared"); err != nil || info.Backend == nil || !info.Backend.Up {
		t.Fatalf("location with a live backend: backend %+v, %v; want up", info.Backend, err)
	}
	e.backend.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _ = target.Client.HeadObject(ctx, "any", "")
		h, ok := e.cat.BackendHealth("shared")
		if ok && !h.Up {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend health after calls to a closed backend: %+v, %v; want unreachable", h, ok)
		}
	}
	info, err := e.cat.Location(ctx, "shared")
	if err != nil || info.Backend == nil || info.Backend.Up || info.Backend.Cause == "" || info.Backend.Since.IsZero() {
		t.Fatalf("location with a closed backend: backend %+v, %v; want unreachable with a cause", info.Backend, err)
	}
}
