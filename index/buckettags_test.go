package index

import (
	"reflect"
	"testing"
)

func TestBucketTags(t *testing.T) {
	d := newDB(t)
	if err := d.CreateBucket(Bucket{Name: "b1", Location: "loc"}); err != nil {
		t.Fatal(err)
	}
	if tags, err := d.BucketTags("b1"); err != nil || tags != nil {
		t.Fatalf("tags of an untagged bucket = %v, %v", tags, err)
	}
	want := []Tag{{"zeta", "1"}, {"alpha", ""}, {"mid", "x y"}}
	if err := d.SetBucketTags("b1", want); err != nil {
		t.Fatal(err)
	}
	if tags, err := d.BucketTags("b1"); err != nil || !reflect.DeepEqual(tags, want) {
		t.Fatalf("tags = %v, %v, want %v in the order given", tags, err, want)
	}
	// A bucket's record and its tags are apart: a record rewrite keeps them.
	if err := d.PutBucket(Bucket{Name: "b1", Location: "loc", Versioning: "Enabled"}); err != nil {
		t.Fatal(err)
	}
	if tags, _ := d.BucketTags("b1"); len(tags) != 3 {
		t.Fatalf("tags after PutBucket = %v", tags)
	}
	if err := d.SetBucketTags("b1", nil); err != nil {
		t.Fatal(err)
	}
	if tags, err := d.BucketTags("b1"); err != nil || tags != nil {
		t.Fatalf("tags after removal = %v, %v", tags, err)
	}
	_, err := d.BucketTags("nope")
	wantNotFound(t, err)
	wantNotFound(t, d.SetBucketTags("nope", want))

	// A deleted bucket takes its tags along: a new one of that name has none.
	if err := d.SetBucketTags("b1", want); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteBucket("b1"); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateBucket(Bucket{Name: "b1", Location: "loc"}); err != nil {
		t.Fatal(err)
	}
	if tags, err := d.BucketTags("b1"); err != nil || tags != nil {
		t.Fatalf("tags of a new bucket of a deleted one's name = %v, %v", tags, err)
	}
}
