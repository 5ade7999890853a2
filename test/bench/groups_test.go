package main

import (
	"reflect"
	"slices"
	"testing"
)

// The scale group runs only when named: a default run keeps its length.
func TestSelectGroups(t *testing.T) {
	tests := []struct {
		only    string
		want    []string
		wantErr bool
	}{
		{only: "", want: allGroups},
		{only: "scale", want: []string{"scale"}},
		{only: "ingest, scale", want: []string{"ingest", "scale"}},
		{only: "bogus", wantErr: true},
	}
	for _, tt := range tests {
		got, err := selectGroups(tt.only)
		if (err != nil) != tt.wantErr {
			t.Fatalf("selectGroups(%q): %v", tt.only, err)
		}
		if tt.wantErr {
			continue
		}
		var names []string
		for g, on := range got {
			if on {
				names = append(names, g)
			}
		}
		slices.Sort(names)
		want := slices.Sorted(slices.Values(tt.want))
		if !reflect.DeepEqual(names, want) {
			t.Errorf("selectGroups(%q) = %v, want %v", tt.only, names, want)
		}
	}
}
