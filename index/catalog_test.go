package index

import "testing"

// TestCatalogGeneration checks that every writer of bucket and location
// records moves the generation, which the gateway's cache of them relies
// on to see a change at once.
func TestCatalogGeneration(t *testing.T) {
	d := newDB(t)
	if err := d.CreateLocation(Location{Name: "loc"}); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateBucket(Bucket{Name: "b", Location: "loc"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		write func() error
	}{
		{"CreateLocation", func() error { return d.CreateLocation(Location{Name: "loc2"}) }},
		{"PutLocation", func() error { return d.PutLocation(Location{Name: "loc", Endpoint: "http://other:9000"}) }},
		{"DeleteLocation", func() error { return d.DeleteLocation("loc2") }},
		{"CreateBucket", func() error { return d.CreateBucket(Bucket{Name: "b2", Location: "loc"}) }},
		{"PutBucket", func() error { return d.PutBucket(Bucket{Name: "b", Location: "loc", Versioning: "Enabled"}) }},
		{"DeleteBucket", func() error { return d.DeleteBucket("b2") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := d.CatalogGeneration()
			if err := tt.write(); err != nil {
				t.Fatal(err)
			}
			if d.CatalogGeneration() == before {
				t.Errorf("%s left the catalog generation at %d", tt.name, before)
			}
		})
	}
}
