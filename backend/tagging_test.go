package backend

import (
	"bytes"
	"slices"
	"testing"
)

func TestTagging(t *testing.T) {
	c := newTestClient(t)
	ctx := ctxT(t)
	body := []byte("x")
	old, err := c.PutObject(ctx, "k", bytes.NewReader(body), 1, nil, PutOptions{Tagging: "a=1&b=two%20words"})
	if err != nil {
		t.Fatal(err)
	}
	cur := put(t, c, "k", body, nil)

	tags, err := c.GetTagging(ctx, "k", old.VersionID)
	if want := []Tag{{"a", "1"}, {"b", "two words"}}; err != nil || !slices.Equal(tags, want) {
		t.Fatalf("tags of the old version: %v, %v; want %v", tags, err, want)
	}
	if h, err := c.HeadObject(ctx, "k", old.VersionID); err != nil || h.TagCount != 2 {
		t.Fatalf("HEAD of the old version: %+v, %v", h, err)
	}
	if tags, err := c.GetTagging(ctx, "k", ""); err != nil || len(tags) != 0 {
		t.Fatalf("tags of the latest: %v, %v", tags, err)
	}

	if err := c.PutTagging(ctx, "k", old.VersionID, []Tag{{"z", "26"}}); err != nil {
		t.Fatal(err)
	}
	if tags, _ := c.GetTagging(ctx, "k", old.VersionID); !slices.Equal(tags, []Tag{{"z", "26"}}) {
		t.Fatalf("old version retagged as %v", tags)
	}
	if tags, _ := c.GetTagging(ctx, "k", cur.VersionID); len(tags) != 0 {
		t.Fatalf("retagging the old version tagged the latest: %v", tags)
	}
	if err := c.PutTagging(ctx, "k", "", []Tag{{"l", "latest"}}); err != nil {
		t.Fatal(err)
	}
	if _, r := get(t, c, "k", ""); r.TagCount != 1 {
		t.Fatalf("tag count of the latest: %d", r.TagCount)
	}
	if err := c.DeleteTagging(ctx, "k", old.VersionID); err != nil {
		t.Fatal(err)
	}
	if tags, _ := c.GetTagging(ctx, "k", old.VersionID); len(tags) != 0 {
		t.Fatalf("tags after delete: %v", tags)
	}

	err = c.PutTagging(ctx, "k", "", make([]Tag, 11))
	wantCode(t, err, "InvalidTag", 400)
	_, err = c.GetTagging(ctx, "missing", "")
	wantCode(t, err, "NoSuchKey", 404)
}
