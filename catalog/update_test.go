package catalog

import (
	"context"
	"io"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

func ptr[T any](v T) *T { return &v }

// forward relays loopback TCP connections to target until the test ends:
// the same backend at another endpoint.
func forward(t *testing.T, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	// Clients keep idle connections open: they are cut, not awaited.
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { relay(c, target) })
		}
	})
	return "http://" + ln.Addr().String()
}

func relay(c net.Conn, target string) {
	defer c.Close()
	b, err := net.Dial("tcp", strings.TrimPrefix(target, "http://"))
	if err != nil {
		return
	}
	defer b.Close()
	done := make(chan struct{})
	go func() { io.Copy(b, c); b.Close(); close(done) }()
	io.Copy(c, b)
	c.Close()
	<-done
}

func TestUpdateLocationRefusals(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	e.createBucket("mirrored", "ring:ingest")
	tests := []struct {
		name    string
		loc     string
		change  LocationChange
		code    s3err.Code
		message string
	}{
		{"wrong secret", "ring", LocationChange{SecretKey: ptr("wrong-secret-0123456789")}, s3err.InvalidArgument, "check the access key and secret key"},
		{"wrong access key", "ring", LocationChange{AccessKey: ptr("nobody")}, s3err.InvalidArgument, "credentials"},
		{"empty secret", "ring", LocationChange{SecretKey: ptr("")}, s3err.InvalidArgument, "secret key"},
		{"bad endpoint", "ring", LocationChange{Endpoint: ptr("ftp://host")}, s3err.InvalidArgument, "scheme"},
		{"target bucket while used", "ring", LocationChange{TargetBucket: ptr("shared")}, s3err.LocationInUse, "mirrored"},
		{"no-prefix while used", "ring", LocationChange{NoPrefix: ptr(false)}, s3err.LocationInUse, "cannot change while buckets use it"},
		{"missing target bucket", "shared", LocationChange{TargetBucket: ptr("nosuchbucket")}, s3err.InvalidArgument, "create it there"},
		{"unknown location", "nowhere", LocationChange{Region: ptr("eu-west-1")}, s3err.NoSuchLocation, "nowhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := e.db.ListLocations()
			_, err := e.cat.UpdateLocation(ctx, tt.loc, tt.change)
			ge := wantCode(t, err, tt.code)
			if !strings.Contains(ge.Message, tt.message) {
				t.Errorf("message %q; want it to contain %q", ge.Message, tt.message)
			}
			if tt.change.SecretKey != nil && *tt.change.SecretKey != "" && strings.Contains(ge.Message, *tt.change.SecretKey) {
				t.Errorf("the message shows the secret: %q", ge.Message)
			}
			after, _ := e.db.ListLocations()
			if !reflect.DeepEqual(before, after) {
				t.Errorf("locations changed: %v -> %v", before, after)
			}
		})
	}
}

// An update that passes the check is stored, keeps what it did not name,
// and the next resolution of a bucket on the location uses the new client.
func TestUpdateLocationAppliesToResolve(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	e.createBucket("mirrored", "ring:ingest")
	before, err := e.cat.Resolve("mirrored")
	if err != nil {
		t.Fatal(err)
	}
	moved := forward(t, e.backend.URL())
	info, err := e.cat.UpdateLocation(ctx, "ring", LocationChange{Endpoint: ptr(moved), Region: ptr("eu-west-1")})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if info.Endpoint != moved || info.SecretKey != "" || info.Versioning != "Enabled" || !reflect.DeepEqual(info.Buckets, []string{"mirrored"}) {
		t.Errorf("update answered %+v", info)
	}
	stored, err := e.db.GetLocation("ring")
	if err != nil {
		t.Fatal(err)
	}
	want := e.location("ring", "ring", true)
	want.Endpoint, want.Region, want.Created = moved, "eu-west-1", stored.Created
	if stored != want {
		t.Errorf("stored %+v, want %+v", stored, want)
	}
	after, err := e.cat.Resolve("mirrored")
	if err != nil {
		t.Fatal(err)
	}
	if after.Client == before.Client || after.Location.Endpoint != moved {
		t.Errorf("Resolve still gives the old client (endpoint %s)", after.Location.Endpoint)
	}
	if _, err := after.Client.Versioning(ctx); err != nil {
		t.Errorf("the new client does not reach the backend: %v", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "location updated") || !strings.Contains(logs, "changed=endpoint,region") || strings.Contains(logs, backendSecret) {
		t.Errorf("log of the update:\n%s", logs)
	}

	// A location no bucket uses may be pointed at another bucket.
	if _, err := e.cat.UpdateLocation(ctx, "shared", LocationChange{TargetBucket: ptr("ring"), NoPrefix: ptr(true)}); err != nil {
		t.Errorf("retarget an unused location: %v", err)
	}
}

func TestMirrorsKeepVersions(t *testing.T) {
	l := index.Location{Name: "ring", TargetBucket: "store"}
	mirrorB := []index.Bucket{{Name: "m", Mirror: true}}
	plain := []index.Bucket{{Name: "p"}}
	tests := []struct {
		state string
		used  []index.Bucket
		ok    bool
	}{
		{"Enabled", mirrorB, true},
		{"Suspended", mirrorB, false},
		{"", mirrorB, false},
		{"Suspended", plain, true},
		{"", nil, true},
	}
	for _, tt := range tests {
		err := mirrorsKeepVersions(l, tt.state, tt.used)
		if (err == nil) != tt.ok {
			t.Errorf("state %q buckets %v: %v, want ok=%v", tt.state, tt.used, err, tt.ok)
		}
	}
}
