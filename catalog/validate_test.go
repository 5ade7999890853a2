package catalog

import (
	"strings"
	"testing"

	"github.com/ringside/ringside/internal/s3err"
)

func TestNormalizeEndpoint(t *testing.T) {
	tests := []struct {
		in, want string // want "" means refused
	}{
		{"http://ring.example.com", "http://ring.example.com:80"},
		{"https://ring.example.com", "https://ring.example.com:443"},
		{"https://ring.example.com/", "https://ring.example.com:443"},
		{"http://10.0.0.5:8000", "http://10.0.0.5:8000"},
		{"ring.example.com:8000", "http://ring.example.com:8000"},
		{"ring.example.com", "http://ring.example.com:80"},
		{"127.0.0.1", "http://127.0.0.1:80"},
		{" 127.0.0.1:9000 ", "http://127.0.0.1:9000"},
		{"[::1]:9000", "http://[::1]:9000"},
		{"https://[fd00::1]", "https://[fd00::1]:443"},
		{"", ""},
		{"ftp://ring.example.com", ""},
		{"http://user:pass@ring.example.com", ""},
		{"http://ring.example.com/bucket", ""},
		{"http://ring.example.com?x=1", ""},
		{"http://ring.example.com:0", ""},
		{"http://ring.example.com:70000", ""},
		{"http://ring.example.com:port", ""},
		{"http://bad host", ""},
		{"http://-bad.example.com", ""},
	}
	for _, tt := range tests {
		got, err := normalizeEndpoint(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("normalizeEndpoint(%q) = %q, want a refusal", tt.in, got)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("normalizeEndpoint(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLocationName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"ring", true},
		{"a", true},
		{"ring-1_east", true},
		{"9ring", true},
		{"", false},
		{"Ring", false},
		{"-ring", false},
		{"_ring", false},
		{"ring:ingest", false},
		{"ring.east", false},
		{"r" + strings.Repeat("0", 62), true},
		{"r" + strings.Repeat("0", 63), false},
	}
	for _, tt := range tests {
		if err := validateLocationName(tt.name); (err == nil) != tt.ok {
			t.Errorf("validateLocationName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestBucketName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"abc", true},
		{"my-bucket-1", true},
		{"ab", false},
		{"Abc", false},
		{"-abc", false},
		{"abc-", false},
		{"a_b", false},
		{"a.b.c", false},
		{"a" + strings.Repeat("b", 62), true},
		{"a" + strings.Repeat("b", 63), false},
	}
	for _, tt := range tests {
		err := ValidateBucketName(tt.name, s3err.InvalidBucketName, "Bucket")
		if (err == nil) != tt.ok {
			t.Errorf("ValidateBucketName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && err.(*s3err.Error).Code != "InvalidBucketName" {
			t.Errorf("ValidateBucketName(%q) code = %s", tt.name, err.(*s3err.Error).Code)
		}
	}
}
