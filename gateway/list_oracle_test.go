package gateway

import (
	"context"
	"fmt"

	"github.com/rclone/gofakes3"

	"github.com/ringside/ringside/index"
)

// listingOracle is the listing of the index through gofakes3, as ringside
// served it before serveList, which TestListingMatchesGofakes3 compares
// serveList's documents with.
type listingOracle struct{ *s3Backend }

// ListBucket lists current objects from the index.
func (b listingOracle) ListBucket(ctx context.Context, bucket string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	p := index.ListParams{Marker: page.Marker, MaxKeys: int(page.MaxKeys)}
	if prefix != nil {
		p.Prefix, p.Delimiter = prefix.Prefix, prefix.Delimiter
	}
	res, err := b.g.db.ListObjects(bucket, p)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", bucket, err)
	}
	out := &gofakes3.ObjectList{IsTruncated: res.IsTruncated, NextMarker: res.NextMarker}
	for _, v := range res.Objects {
		out.Contents = append(out.Contents, &gofakes3.Content{
			Key:          v.Key,
			LastModified: gofakes3.NewContentTime(v.LastModified),
			ETag:         quoteETag(v.ETag),
			Size:         v.Size,
			StorageClass: gofakes3.StorageStandard,
		})
	}
	for _, cp := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, gofakes3.CommonPrefix{Prefix: cp})
	}
	return out, nil
}

// ListBucketVersions lists versions and delete markers from the index.
func (b listingOracle) ListBucketVersions(bucket string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	p := index.VersionListParams{}
	if prefix != nil {
		p.Prefix, p.Delimiter = prefix.Prefix, prefix.Delimiter
	}
	if page != nil {
		p.KeyMarker, p.VersionIDMarker = page.KeyMarker, string(page.VersionIDMarker)
		p.MaxKeys = int(page.MaxKeys)
	}
	res, err := b.g.db.ListVersions(bucket, p)
	if err != nil {
		return nil, fmt.Errorf("list the versions of %s: %w", bucket, err)
	}
	out := gofakes3.NewListBucketVersionsResult(bucket, prefix, page)
	out.IsTruncated = res.IsTruncated
	out.NextKeyMarker = res.NextKeyMarker
	out.NextVersionIDMarker = gofakes3.VersionID(res.NextVersionIDMarker)
	for _, v := range res.Versions {
		out.Versions = append(out.Versions, versionItem(v))
	}
	for _, cp := range res.CommonPrefixes {
		out.AddPrefix(cp)
	}
	return out, nil
}

// versionItem is one entry of a version listing.
func versionItem(v index.Version) gofakes3.VersionItem {
	if v.IsDeleteMarker {
		return &gofakes3.DeleteMarker{
			Key:          v.Key,
			VersionID:    gofakes3.VersionID(v.VersionID),
			IsLatest:     v.IsLatest,
			LastModified: gofakes3.NewContentTime(v.LastModified),
		}
	}
	return &gofakes3.Version{
		Key:          v.Key,
		VersionID:    gofakes3.VersionID(v.VersionID),
		IsLatest:     v.IsLatest,
		LastModified: gofakes3.NewContentTime(v.LastModified),
		Size:         v.Size,
		StorageClass: gofakes3.StorageStandard,
		ETag:         quoteETag(v.ETag),
	}
}
