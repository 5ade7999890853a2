package feed

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// notification is the body of an S3 event notification: AWS's
// {"Records": [...]}, which MinIO's webhook target wraps with EventName and
// Key (ignored here: the records say the same) and MinIO's listen stream
// sends one record at a time.
type notification struct {
	Records []record `json:"Records"`
}

type record struct {
	EventName string `json:"eventName"`
	EventTime string `json:"eventTime"`
	S3        struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      *int64 `json:"size"`
			ETag      string `json:"eTag"`
			VersionID string `json:"versionId"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

// errNotChange marks a record that reports no change (a read).
var errNotChange = errors.New("not a change")

// parseNotification reads the hints of one notification body. A body
// without records (such as S3's s3:TestEvent) has none; a record that is
// not a change (MinIO's s3:ObjectAccessed:*) is skipped. escaped says the
// keys are URL-encoded, as event notifications have them; MinIO's listen
// stream has them as they are.
func parseNotification(body []byte, escaped bool) ([]Hint, error) {
	var n notification
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("decode the event notification: %w", err)
	}
	hints := make([]Hint, 0, len(n.Records))
	for i, r := range n.Records {
		h, err := r.hint(escaped)
		if errors.Is(err, errNotChange) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		hints = append(hints, h)
	}
	return hints, nil
}

// hint converts one record. An escaped key is URL-encoded as a form value
// is ('+' for a space), by AWS and MinIO's notification targets alike.
func (r record) hint(escaped bool) (Hint, error) {
	ev, ok := eventOf(r.EventName)
	if !ok {
		return Hint{}, errNotChange
	}
	o := r.S3.Object
	if r.S3.Bucket.Name == "" || o.Key == "" {
		return Hint{}, errors.New("no bucket name or object key")
	}
	key := o.Key
	if escaped {
		var err error
		if key, err = url.QueryUnescape(o.Key); err != nil {
			return Hint{}, fmt.Errorf("object key %q: %w", o.Key, err)
		}
	}
	h := Hint{
		Bucket:    r.S3.Bucket.Name,
		Key:       key,
		VersionID: o.VersionID,
		Size:      -1,
		Sequencer: o.Sequencer,
		Event:     ev,
	}
	if o.Size != nil {
		h.Size = *o.Size
	}
	if o.ETag != "" {
		h.ETag = `"` + strings.Trim(o.ETag, `"`) + `"`
	}
	if t, err := time.Parse(time.RFC3339Nano, r.EventTime); err == nil {
		h.Time = t
	}
	return h, nil
}

// eventOf maps an S3 event name (AWS's "ObjectCreated:Put", MinIO's
// "s3:ObjectCreated:Put") to the Event of a hint; ok is false for an event
// that changes nothing.
func eventOf(name string) (ev Event, ok bool) {
	name = strings.TrimPrefix(name, "s3:")
	kind, detail, _ := strings.Cut(name, ":")
	switch kind {
	case "ObjectCreated":
		return EventPut, true
	case "ObjectRemoved", "LifecycleExpiration":
		if detail == "DeleteMarkerCreated" {
			return EventDeleteMarker, true
		}
		return EventDelete, true
	case "ObjectTagging", "ObjectAcl", "ObjectRestore", "ObjectTransition", "LifecycleTransition", "Replication", "IntelligentTiering":
		return EventMetadata, true
	case "ObjectAccessed", "TestEvent", "":
		return "", false
	}
	return EventOther, true
}

// decodeXMLError reads the Code and Message of an S3 error body.
func decodeXMLError(b []byte, code, message *string) error {
	var e struct {
		Code    string
		Message string
	}
	if err := xml.Unmarshal(b, &e); err != nil {
		return err
	}
	*code, *message = e.Code, e.Message
	return nil
}
