package feed

import (
	"testing"
	"time"
)

// awsEvent is an S3 event notification as AWS documents it.
const awsEvent = `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
"eventTime":"2026-12-06T00:00:01.500Z","eventName":"ObjectCreated:Put",
"s3":{"s3SchemaVersion":"1.0","configurationId":"c","bucket":{"name":"photos","arn":"arn:aws:s3:::photos"},
"object":{"key":"holiday+pics/a%2Bb%C3%A9.jpg","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e",
"versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko","sequencer":"0055AED6DCD90281E5"}}}]}`

// minioWebhook is MinIO's webhook payload: the records wrapped with
// EventName and Key.
const minioWebhook = `{"EventName":"s3:ObjectRemoved:DeleteMarkerCreated","Key":"b1/dir/x y",
"Records":[{"eventVersion":"2.0","eventSource":"minio:s3","eventTime":"2026-12-06T00:00:02Z",
"eventName":"s3:ObjectRemoved:DeleteMarkerCreated",
"s3":{"bucket":{"name":"b1"},"object":{"key":"dir%2Fx+y","versionId":"v2","sequencer":"187E1A2B3C4D5E6F"}}}]}`

func TestParseNotification(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []Hint
		wantErr bool
	}{
		{name: "aws put", body: awsEvent, want: []Hint{{
			Bucket: "photos", Key: "holiday pics/a+bé.jpg", VersionID: "096fKKXTRTtl3on89fVO.nfljtsv6qko",
			ETag: `"d41d8cd98f00b204e9800998ecf8427e"`, Size: 1024, Sequencer: "0055AED6DCD90281E5",
			Event: EventPut, Time: time.Date(2026, 12, 6, 0, 0, 1, 500e6, time.UTC),
		}}},
		{name: "minio webhook delete marker", body: minioWebhook, want: []Hint{{
			Bucket: "b1", Key: "dir/x y", VersionID: "v2", Size: -1, Sequencer: "187E1A2B3C4D5E6F",
			Event: EventDeleteMarker, Time: time.Date(2026, 12, 6, 0, 0, 2, 0, time.UTC),
		}}},
		{name: "delete", body: `{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`,
			want: []Hint{{Bucket: "b", Key: "k", Size: -1, Event: EventDelete}}},
		{name: "tagging", body: `{"Records":[{"eventName":"s3:ObjectTagging:Put","s3":{"bucket":{"name":"b"},"object":{"key":"k","size":0}}}]}`,
			want: []Hint{{Bucket: "b", Key: "k", Size: 0, Event: EventMetadata}}},
		{name: "unknown event", body: `{"Records":[{"eventName":"s3:Something:New","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`,
			want: []Hint{{Bucket: "b", Key: "k", Size: -1, Event: EventOther}}},
		{name: "reads are no change", body: `{"Records":[{"eventName":"s3:ObjectAccessed:Get","s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}`,
			want: []Hint{}},
		{name: "test event", body: `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-06T00:00:00Z","Bucket":"b"}`,
			want: []Hint{}},
		{name: "not json", body: `{"Records":[`, wantErr: true},
		{name: "bad key escape", body: `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"%zz"}}}]}`, wantErr: true},
		{name: "no bucket", body: `{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"k"}}}]}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseNotification([]byte(tt.body), true)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parsed %+v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d hints %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("hint %d:\n got %+v\nwant %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// MinIO's listen stream sends keys as they are: a '%' or '+' is the
// key's own.
func TestParseListenRecord(t *testing.T) {
	body := `{"Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a b+%zz"}}}]}`
	got, err := parseNotification([]byte(body), false)
	if err != nil || len(got) != 1 || got[0].Key != "a b+%zz" {
		t.Fatalf("got %+v, %v; want the key as sent", got, err)
	}
}

func TestCompareSequencers(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"0055AED6DCD90281E5", "0055AED6DCD90281E6", -1},
		{"0055AED6DCD90281E6", "0055AED6DCD90281E5", 1},
		{"55AED6DCD90281E5", "0055AED6DCD90281E5", 0}, // left padding
		{"FF", "100", -1},
		{"ab", "AB", 0},
		{"", "01", -1},
		{"", "", 0},
	}
	for _, tt := range tests {
		if got := CompareSequencers(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSequencers(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
