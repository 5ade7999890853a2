package catalog

import (
	"context"
	"errors"
	"strings"
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
