package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ringside/ringside/config"
	"github.com/ringside/ringside/mirror"
)

// postEvent posts an empty S3 event body to a webhook URL with token and
// returns the status.
func postEvent(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"Records":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var webhookLine = regexp.MustCompile(`(http://\S+/feed/v1/ring)\s+with the header  Authorization: Bearer (\S+)`)

// webhookOf finds the URL and token a command printed.
func webhookOf(t *testing.T, out string) (string, string) {
	t.Helper()
	m := webhookLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no webhook URL and token in:\n%s", out)
	}
	return m[1], m[2]
}

// location update sets, rotates and removes a mirror bucket's feed; the
// running mirror follows each at once, the token is printed when it is
// new and by show --show-token, and nowhere else.
func TestLocationUpdateSwitchesTheFeed(t *testing.T) {
	n, be, logs := startTestNode(t)
	cli := nodeCLI(t, n)
	mirrorPhotos(cli, be.URL())
	feedKind := func(want string) { t.Helper(); waitFeed(t, n, "photos", want) }
	feedKind("none")

	out := cli("location", "update", "ring", "--feed", "webhook")
	url, token := webhookOf(t, out)
	feedKind("webhook")
	if code := postEvent(t, url, token); code != http.StatusOK {
		t.Fatalf("post with the printed token: %d", code)
	}
	shown := cli("location", "show", "ring", "--show-token")
	if u, tok := webhookOf(t, shown); u != url || tok != token {
		t.Errorf("show --show-token printed %s %s, want %s %s", u, tok, url, token)
	}
	for _, args := range [][]string{{"location", "show", "ring"}, {"location", "list"}, {"location", "list", "--json"}, {"location", "show", "ring", "--json"}} {
		if out := cli(args...); strings.Contains(out, token) {
			t.Errorf("%v shows the token:\n%s", args, out)
		}
	}

	out = cli("location", "update", "ring", "--rotate-feed-token")
	_, rotated := webhookOf(t, out)
	if rotated == token {
		t.Fatal("the rotation kept the token")
	}
	eventually(t, 20*time.Second, "the old token refused", func() error {
		if code := postEvent(t, url, token); code != http.StatusForbidden {
			return fmt.Errorf("old token: %d", code)
		}
		return nil
	})
	if code := postEvent(t, url, rotated); code != http.StatusOK {
		t.Errorf("post with the rotated token: %d", code)
	}

	cli("location", "update", "ring", "--feed", "listen")
	feedKind("listen")
	if code := postEvent(t, url, rotated); code != http.StatusNotFound {
		t.Errorf("a listen location's webhook answered %d, want 404", code)
	}
	cli("location", "update", "ring", "--feed", "none")
	feedKind("none")

	for _, secret := range []string{token, rotated} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("a webhook token is in the log")
		}
	}
	// A switch is logged once the new feed runs, which the status may
	// show first.
	eventually(t, 20*time.Second, "every switch logged", func() error {
		for _, msg := range []string{`"mirror: change feed switched" bucket=photos location=ring from=none to=webhook`,
			`from=webhook to=webhook`, `from=webhook to=listen`, `from=listen to=none`, "changed=feedToken"} {
			if !strings.Contains(logs.String(), msg) {
				return fmt.Errorf("the log lacks %s", msg)
			}
		}
		return nil
	})
}

// waitFeed waits until bucket's mirror follows a feed of kind want
// ("none" for no feed).
func waitFeed(t *testing.T, n *node, bucket, want string) {
	t.Helper()
	eventually(t, 20*time.Second, bucket+" follows the "+want+" feed", func() error {
		st, err := n.mirror.Status(bucket)
		if err != nil {
			return err
		}
		if got := feedOf(st); got != want {
			return fmt.Errorf("feed %q", got)
		}
		return nil
	})
}

func feedOf(st mirror.Status) string {
	if st.Feed == nil {
		return "none"
	}
	return st.Feed.Kind
}

// A config file's location names its feed and the webhook token's file;
// a reload with another feed switches the running mirror's.
func TestConfigFileFeed(t *testing.T) {
	n, be, logs := startTestNode(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	const token = "a-webhook-token-from-a-file"
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	apply := func(feedFields string) {
		t.Helper()
		f, err := config.Parse([]byte("locations:\n  ring: {endpoint: " + be.URL() + ", accessKey: " + testBackendKey +
			", secretKey: " + testBackendSecret + ", targetBucket: store, noPrefix: true" + feedFields + "}\n" +
			"buckets:\n  photos: {location: ring, mirror: true}\n"))
		if err != nil {
			t.Fatal(err)
		}
		n.applyConfig(context.Background(), f)
	}
	feedKind := func(want string) { t.Helper(); waitFeed(t, n, "photos", want) }
	apply(", feed: webhook, feedTokenFile: " + tokenFile)
	feedKind("webhook")
	if l, err := n.db.GetLocation("ring"); err != nil || l.Feed != "webhook" || l.FeedToken != token {
		t.Fatalf("stored feed %q (%v); want the webhook with the file's token", l.Feed, err)
	}
	if code := postEvent(t, n.adminURL+"/feed/v1/ring", token); code != http.StatusOK {
		t.Errorf("post with the file's token: %d", code)
	}
	apply(", feed: listen")
	feedKind("listen")
	apply("")
	feedKind("none")
	if strings.Contains(logs.String(), token) {
		t.Errorf("the token is in the log")
	}
}
