package catalog

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

func TestAddLocationFeed(t *testing.T) {
	tests := []struct {
		name, feed, token string
		wantFeed          string
		wantErr           string // in the refusal's message; "" for none
	}{
		{name: "f-default", wantFeed: ""},
		{name: "f-none", feed: "none", wantFeed: ""},
		{name: "f-listen", feed: "listen", wantFeed: "listen"},
		{name: "f-raftlog", feed: "raftlog", wantFeed: "raftlog"},
		{name: "f-webhook", feed: "webhook", wantFeed: "webhook"},
		{name: "f-webhook-own", feed: "webhook", token: "an-operator-token-0123", wantFeed: "webhook"},
		{name: "f-short", feed: "webhook", token: "short", wantErr: "at least 16"},
		{name: "f-listen-token", feed: "listen", token: "an-operator-token-0123", wantErr: "only a webhook"},
		{name: "f-unknown", feed: "kafka", wantErr: "is not one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newCatEnv(t, "")
			l := e.location(tt.name, "ring", true)
			l.Feed, l.FeedToken = tt.feed, tt.token
			info, err := e.cat.AddLocation(context.Background(), l)
			if tt.wantErr != "" {
				var se *s3err.Error
				if !errors.As(err, &se) || se.Code != string(s3err.InvalidArgument) || !strings.Contains(se.Message, tt.wantErr) {
					t.Fatalf("err %v, want InvalidArgument with %q", err, tt.wantErr)
				}
				if _, err := e.db.GetLocation(tt.name); !errors.Is(err, index.ErrNotFound) {
					t.Errorf("a refused location was stored: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, err := e.db.GetLocation(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Feed != tt.wantFeed {
				t.Errorf("stored feed %q, want %q", stored.Feed, tt.wantFeed)
			}
			switch {
			case tt.wantFeed != "webhook" && stored.FeedToken != "":
				t.Errorf("a %q feed stored a token", tt.wantFeed)
			case tt.wantFeed == "webhook" && tt.token != "" && stored.FeedToken != tt.token:
				t.Errorf("stored token %q, want the operator's", stored.FeedToken)
			case tt.wantFeed == "webhook" && len(stored.FeedToken) < minFeedToken:
				t.Errorf("generated token %q is too short", stored.FeedToken)
			}
			// Shown once, in the answer to the creation; never after, never logged.
			if info.FeedToken != stored.FeedToken {
				t.Errorf("the creation answered token %q, want the stored one", info.FeedToken)
			}
			shown, err := e.cat.Location(context.Background(), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if shown.FeedToken != "" || shown.Feed != tt.wantFeed {
				t.Errorf("Location shows feed %q token %q", shown.Feed, shown.FeedToken)
			}
			if stored.FeedToken != "" && strings.Contains(e.logs.String(), stored.FeedToken) {
				t.Errorf("the token is in the log")
			}
		})
	}
}

// switchRecorder records the buckets whose feed the catalog switched.
type switchRecorder struct {
	mu       sync.Mutex
	switched []string
}

func (s *switchRecorder) SwitchFeed(bucket string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.switched = append(s.switched, bucket)
	return nil
}

func (s *switchRecorder) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.switched
	s.switched = nil
	return out
}

// Each step updates the feed of location ring, which mirror bucket mirrored
// uses; the steps run in order, each from the state the one before left.
func TestUpdateLocationFeed(t *testing.T) {
	e := newCatEnv(t, "")
	e.createBucket("mirrored", "ring:ingest")
	e.createBucket("plain", "shared")
	rec := &switchRecorder{}
	e.cat.FollowFeeds(rec)
	const own = "an-operator-token-0123"
	steps := []struct {
		name       string
		ch         LocationChange
		wantFeed   string
		wantToken  string // "new": generated, other than before; "same": unchanged
		wantErr    string // in the refusal; "" for none
		wantSwitch bool
	}{
		{name: "to webhook", ch: LocationChange{Feed: ptr("webhook")}, wantFeed: "webhook", wantToken: "new", wantSwitch: true},
		{name: "webhook again", ch: LocationChange{Feed: ptr("webhook")}, wantFeed: "webhook", wantToken: "same"},
		{name: "rotate", ch: LocationChange{RotateFeedToken: true}, wantFeed: "webhook", wantToken: "new", wantSwitch: true},
		{name: "own token", ch: LocationChange{FeedToken: ptr(own)}, wantFeed: "webhook", wantToken: own, wantSwitch: true},
		{name: "short token", ch: LocationChange{FeedToken: ptr("short")}, wantErr: "at least 16"},
		{name: "rotate and give", ch: LocationChange{RotateFeedToken: true, FeedToken: ptr(own)}, wantErr: "not both"},
		{name: "to listen", ch: LocationChange{Feed: ptr("listen")}, wantFeed: "listen", wantToken: "", wantSwitch: true},
		{name: "rotate without webhook", ch: LocationChange{RotateFeedToken: true}, wantErr: "no webhook"},
		{name: "token without webhook", ch: LocationChange{FeedToken: ptr(own)}, wantErr: "only a webhook"},
		{name: "unknown kind", ch: LocationChange{Feed: ptr("kafka")}, wantErr: "is not one of"},
		{name: "to raftlog", ch: LocationChange{Feed: ptr("raftlog")}, wantFeed: "raftlog", wantSwitch: true},
		{name: "to none", ch: LocationChange{Feed: ptr("none")}, wantFeed: "", wantSwitch: true},
		{name: "none again", ch: LocationChange{Feed: ptr("none")}, wantFeed: ""},
	}
	ctx := context.Background()
	for _, st := range steps {
		before, err := e.db.GetLocation("ring")
		if err != nil {
			t.Fatal(err)
		}
		info, err := e.cat.UpdateLocation(ctx, "ring", st.ch)
		after, _ := e.db.GetLocation("ring")
		if st.wantErr != "" {
			var se *s3err.Error
			if !errors.As(err, &se) || !strings.Contains(se.Message, st.wantErr) {
				t.Fatalf("%s: err %v, want a refusal with %q", st.name, err, st.wantErr)
			}
			if after != before {
				t.Errorf("%s: a refused update changed the location", st.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if after.Feed != st.wantFeed {
			t.Errorf("%s: stored feed %q, want %q", st.name, after.Feed, st.wantFeed)
		}
		switch st.wantToken {
		case "new":
			if after.FeedToken == before.FeedToken || len(after.FeedToken) < minFeedToken {
				t.Errorf("%s: token %q, want a new generated one", st.name, after.FeedToken)
			}
		case "same":
			if after.FeedToken != before.FeedToken {
				t.Errorf("%s: the token changed", st.name)
			}
		default:
			if after.FeedToken != st.wantToken {
				t.Errorf("%s: token %q, want %q", st.name, after.FeedToken, st.wantToken)
			}
		}
		// The answer shows a new token, once; no other.
		changedToken := after.FeedToken != before.FeedToken
		if shown := info.FeedToken; (changedToken && shown != after.FeedToken) || (!changedToken && shown != "") {
			t.Errorf("%s: the answer shows token %q", st.name, shown)
		}
		want := []string(nil)
		if st.wantSwitch {
			want = []string{"mirrored"}
		}
		if got := rec.take(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: feeds switched %v, want %v", st.name, got, want)
		}
	}
	if strings.Contains(e.logs.String(), own) {
		t.Errorf("a token is in the log")
	}
}

func TestFeedToken(t *testing.T) {
	e := newCatEnv(t, "")
	ctx := context.Background()
	info, err := e.cat.UpdateLocation(ctx, "ring", LocationChange{Feed: ptr("webhook")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.cat.FeedToken(ctx, "ring")
	if err != nil || got != info.FeedToken || got == "" {
		t.Errorf("FeedToken = %q, %v; want the token the update answered", got, err)
	}
	if _, err := e.cat.FeedToken(ctx, "shared"); err == nil || !strings.Contains(err.Error(), "no webhook") {
		t.Errorf("a location without a webhook: %v", err)
	}
	wantCode(t, func() error { _, err := e.cat.FeedToken(ctx, "nowhere"); return err }(), s3err.NoSuchLocation)
	if strings.Contains(e.logs.String(), got) {
		t.Errorf("the token is in the log")
	}
}
