package tcpbuf

import "testing"

func TestFits(t *testing.T) {
	for _, c := range []struct {
		limit string
		want  bool
	}{
		{"212992\n", false}, // Linux's default: the kernel's own sizing goes further
		{"4194304\n", true},
		{"33554432", true},
		{"4194303", false},
		{"", false},
		{"lots", false},
	} {
		if got := fits(c.limit); got != c.want {
			t.Errorf("fits(%q) = %v, want %v", c.limit, got, c.want)
		}
	}
}
