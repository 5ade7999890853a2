package embedded

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rclone/gofakes3"
	"github.com/ringside/ringside/internal/s3time"
)

// keepAlive is how often a quiet listen stream is written a space, as
// MinIO does, so that clients and proxies see it alive.
const keepAlive = 5 * time.Second

// listen answers MinIO's ListenBucketNotification
// (GET /bucket?events=...&prefix=&suffix=): one JSON {"Records": [...]}
// per line for each change of the bucket that matches, between keepalive
// spaces, until the client goes or the server stops. Like MinIO's, it
// drops changes for a listener that falls behind.
func (f *front) listen(w http.ResponseWriter, r *http.Request, bucket string, q url.Values) {
	if ok, _ := f.store.BucketExists(r.Context(), bucket); !ok {
		writeError(w, r, gofakes3.BucketNotFound(bucket))
		return
	}
	events := q["events"]
	for _, e := range events {
		if !strings.HasPrefix(e, "s3:") {
			writeError(w, r, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "A specified event is not supported for notifications."))
			return
		}
	}
	sub := f.store.events.subscribe()
	if sub == nil {
		writeError(w, r, gofakes3.ErrorMessage(gofakes3.ErrInternal, "The server is stopping."))
		return
	}
	defer f.store.events.unsubscribe(sub)
	// With ping=N, MinIO writes an empty record every N seconds instead of
	// keepalive spaces.
	every, keep := keepAlive, []byte(" ")
	if p := q.Get("ping"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			writeError(w, r, gofakes3.ErrorMessage(gofakes3.ErrInvalidArgument, "ping is not a positive number of seconds."))
			return
		}
		every, keep = time.Duration(n)*time.Second, []byte("{\"Records\":null}\n")
	}
	prefix, suffix := q.Get("prefix"), q.Get("suffix")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	flush := func() {
		if flusher != nil {
			flusher.Flush()
		}
	}
	flush()
	tick := time.NewTicker(every)
	defer tick.Stop()
	enc := json.NewEncoder(w)
	for {
		select {
		case c, ok := <-sub.ch:
			if !ok {
				return
			}
			if c.bucket != bucket || !strings.HasPrefix(c.key, prefix) || !strings.HasSuffix(c.key, suffix) || !matchEvent(events, c.event) {
				continue
			}
			// MinIO's stream has keys as they are; its notification
			// targets have them URL-encoded.
			if enc.Encode(notification{Records: []eventRecord{recordOf(c, false)}}) != nil {
				return
			}
			flush()
		case <-tick.C:
			if _, err := w.Write(keep); err != nil {
				return
			}
			flush()
		case <-r.Context().Done():
			return
		}
	}
}

// matchEvent reports whether event is one of patterns ("s3:ObjectCreated:*"
// or a full name); no pattern matches every event.
func matchEvent(patterns []string, event string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == event || (strings.HasSuffix(p, "*") && strings.HasPrefix(event, strings.TrimSuffix(p, "*"))) {
			return true
		}
	}
	return false
}

// notification is an S3 event notification body; EventName and Key are
// MinIO's webhook additions, left out of a listen stream.
type notification struct {
	EventName string        `json:"EventName,omitempty"`
	Key       string        `json:"Key,omitempty"`
	Records   []eventRecord `json:"Records"`
}

// eventRecord is one record of an S3 event notification, as AWS
// documents it.
type eventRecord struct {
	EventVersion string `json:"eventVersion"`
	EventSource  string `json:"eventSource"`
	AWSRegion    string `json:"awsRegion"`
	EventTime    string `json:"eventTime"`
	EventName    string `json:"eventName"`
	S3           struct {
		SchemaVersion string `json:"s3SchemaVersion"`
		Bucket        struct {
			Name string `json:"name"`
			ARN  string `json:"arn"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      int64  `json:"size,omitempty"`
			ETag      string `json:"eTag,omitempty"`
			VersionID string `json:"versionId,omitempty"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

// recordOf describes c as S3 does: the key URL-encoded as a form value
// ('+' for a space) when escape is set, the ETag unquoted, the sequencer
// in hexadecimal, growing with every change.
func recordOf(c change, escape bool) eventRecord {
	var e eventRecord
	e.EventVersion = "2.0"
	e.EventSource = "ringside:embedded"
	e.AWSRegion = "us-east-1"
	e.EventTime = s3time.ISO(c.modified)
	e.EventName = c.event
	e.S3.SchemaVersion = "1.0"
	e.S3.Bucket.Name = c.bucket
	e.S3.Bucket.ARN = "arn:aws:s3:::" + c.bucket
	e.S3.Object.Key = c.key
	if escape {
		e.S3.Object.Key = url.QueryEscape(c.key)
	}
	e.S3.Object.Size = c.size
	e.S3.Object.ETag = strings.Trim(c.etag, `"`)
	e.S3.Object.VersionID = c.versionID
	var seq [8]byte
	for i := range seq {
		seq[i] = byte(c.seq >> (56 - 8*i))
	}
	e.S3.Object.Sequencer = strings.ToUpper(hex.EncodeToString(seq[:]))
	return e
}

// webhookBody is the body MinIO's webhook target posts for c.
func webhookBody(c change) ([]byte, error) {
	b, err := json.Marshal(notification{EventName: c.event, Key: c.bucket + "/" + c.key, Records: []eventRecord{recordOf(c, true)}})
	if err != nil {
		return nil, fmt.Errorf("encode the event of %s/%s: %w", c.bucket, c.key, err)
	}
	return b, nil
}
