package index

import (
	"fmt"
	"slices"
	"testing"
)

func TestSplitKeys(t *testing.T) {
	d := newDB(t)
	if err := d.CreateBucket(Bucket{Name: "b"}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := range 1000 {
		k := fmt.Sprintf("k%04d", i)
		keys = append(keys, k)
		record(t, d, "b", ver(k, "v1"))
	}
	record(t, d, "b", marker("k0500", "v2")) // a key whose latest is a delete marker still counts
	// A neighbouring bucket whose keys sort just after b's must not leak in.
	if err := d.CreateBucket(Bucket{Name: "b2"}); err != nil {
		t.Fatal(err)
	}
	record(t, d, "b2", ver("a", "v1"))
	tests := []struct {
		name  string
		after string
		parts int
		want  int // keys per part, about
		from  int // index of the first key after after
		min   int // keys a part holds at least
	}{
		{"one part", "", 1, 0, 0, 0},
		{"four parts", "", 4, 250, 0, 0},
		{"sixteen parts", "", 16, 62, 0, 0},
		{"after a key", "k0599", 4, 100, 600, 0},
		{"more parts than keys", "k0997", 4, 0, 998, 0},
		{"parts of at least 300 keys", "", 8, 333, 0, 300},
		{"too few keys for two parts", "k0599", 4, 0, 600, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := d.SplitKeys("b", tt.after, tt.parts, tt.min)
			if err != nil {
				t.Fatal(err)
			}
			if tt.parts > 1 && n != 1000-tt.from {
				t.Errorf("counted %d keys after %q, want %d", n, tt.after, 1000-tt.from)
			}
			if tt.want == 0 {
				if len(got) != 0 {
					t.Fatalf("split keys %q, want none", got)
				}
				return
			}
			if parts := (1000 - tt.from) / tt.want; len(got) != parts-1 || !slices.IsSorted(got) {
				t.Fatalf("split keys %q, want %d ascending", got, parts-1)
			}
			prev := tt.from - 1
			for _, k := range got {
				i := slices.Index(keys, k)
				if i < 0 || i <= prev {
					t.Fatalf("split key %q is not a key after %q in order: %q", k, tt.after, got)
				}
				// Sampling with a doubling stride is even to within a stride.
				if n := i - prev; n < tt.want/2 || n > tt.want*2 {
					t.Errorf("part ending at %q holds %d keys, want about %d", k, n, tt.want)
				}
				prev = i
			}
		})
	}
}
