package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ringside/ringside/index"
)

// BenchmarkServeList answers 1,000-key pages of ListObjectsV2 and
// ListObjectVersions from an index of 5,000 keys shaped like the LIST
// benchmark's, without the HTTP server.
func BenchmarkServeList(b *testing.B) {
	db, err := index.OpenInMemory()
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateBucket(index.Bucket{Name: "data", Location: "ring"}); err != nil {
		b.Fatal(err)
	}
	g, _ := newGatewayOver(b, db, nil)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const keys = 5000
	for i := range keys {
		key := fmt.Sprintf("obj/k%06d", i)
		if i%10 == 0 {
			key += "/x"
		}
		v := index.Version{Key: key, VersionID: fmt.Sprintf("%032x", i), Size: int64(i), ETag: fmt.Sprintf(`"%032x"`, i), LastModified: at}
		if err := db.RecordVersion("data", v); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []string{"list-type=2&prefix=obj/", "list-type=2&prefix=obj/&delimiter=/", "versions&prefix=obj/"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				marker := fmt.Sprintf("obj/k%06d", i*1009%(keys-1000))
				r := httptest.NewRequest(http.MethodGet, "/data?"+q+"&start-after="+marker+"&key-marker="+marker, nil)
				if q[0] == 'v' {
					r = httptest.NewRequest(http.MethodGet, "/data?"+q+"&key-marker="+marker, nil)
				}
				w := httptest.NewRecorder()
				if err := g.serveList(w, r, "data", ""); err != nil || w.Code != http.StatusOK {
					b.Fatalf("%d %v", w.Code, err)
				}
			}
		})
	}
}
