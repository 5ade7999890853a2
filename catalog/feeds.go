package catalog

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/ringside/ringside/index"
	"github.com/ringside/ringside/internal/s3err"
)

// Change feed kinds a location may name (see package feed). A mirror bucket
// on the location follows its backend bucket's changes through the feed,
// and its full passes become a safety net.
const (
	FeedNone    = "none"    // full passes only
	FeedWebhook = "webhook" // the backend posts S3 event notifications to the admin listener
	FeedListen  = "listen"  // MinIO's ListenBucketNotification stream
	FeedRaftLog = "raftlog" // the S3 Connector's metadata log
)

// FeedKinds are the kinds a location accepts, in the order help shows them.
var FeedKinds = []string{FeedNone, FeedWebhook, FeedListen, FeedRaftLog}

// minFeedToken is the shortest webhook token accepted: the receiver
// refuses shorter ones, and a guessable one would let anyone who reaches
// the admin listener trigger backend reads.
const minFeedToken = 16

// checkFeed validates a location's feed and, for a webhook without a token
// of the operator's, generates one. The token is shown once, in the
// answer to the location's creation.
func checkFeed(l index.Location) (index.Location, error) {
	switch l.Feed {
	case "", FeedNone:
		l.Feed = ""
	case FeedWebhook:
		if l.FeedToken == "" {
			l.FeedToken = rand.Text()
		}
		if len(l.FeedToken) < minFeedToken {
			return l, s3err.New(s3err.InvalidArgument,
				"Location %s: the webhook token needs at least %d characters.", l.Name, minFeedToken)
		}
		return l, nil
	case FeedListen, FeedRaftLog:
	default:
		return l, s3err.New(s3err.InvalidArgument,
			"Location %s: feed %q is not one of %v.", l.Name, l.Feed, FeedKinds)
	}
	if l.FeedToken != "" {
		return l, s3err.New(s3err.InvalidArgument,
			"Location %s: only a webhook feed takes a token.", l.Name)
	}
	return l, nil
}

// FeedToken is the webhook token of a location, for the operator who must
// give it to a backend again. Only the admin API's token route shows it;
// a location without a webhook feed has none.
func (c *Catalog) FeedToken(_ context.Context, name string) (string, error) {
	l, err := c.db.GetLocation(name)
	if errors.Is(err, index.ErrNotFound) {
		return "", noSuchLocation(name)
	} else if err != nil {
		return "", fmt.Errorf("read location %s: %w", name, err)
	}
	if l.Feed != FeedWebhook {
		return "", s3err.New(s3err.InvalidArgument,
			"Location %s has no webhook feed, hence no token.", name)
	}
	c.log.Info("location's webhook token shown", "location", name)
	return l.FeedToken, nil
}
