package procmem

import "testing"

func TestParseSmaps(t *testing.T) {
	const exe = "/usr/bin/ringside"
	tests := []struct {
		name string
		raw  string
		want MappedFiles
	}{
		{"empty", "", MappedFiles{}},
		{"anonymous left out", "7f00-7f10 rw-p 00000000 00:00 0\nRss: 64 kB\n7f10-7f20 rw-p 00000000 00:00 0 [heap]\nRss: 8 kB\n", MappedFiles{}},
		{"by file", "" +
			"400000-500000 r-xp 00000000 08:01 11 /usr/bin/ringside\nSize: 1024 kB\nRss: 1024 kB\nPss: 1024 kB\n" +
			"7f00-7f10 r--s 00000000 08:01 12 /var/lib/ringside/index/000001.sst\nRss: 2048 kB\n" +
			"7f10-7f20 r--s 00000000 08:01 13 /var/lib/ringside/index/000002.sst (deleted)\nRss: 1024 kB\n" +
			"7f20-7f30 rw-s 00000000 08:01 14 /var/lib/ringside/index/00003.mem\nRss: 512 kB\n" +
			"7f30-7f40 rw-s 00000000 08:01 15 /var/lib/ringside/index/000001.vlog\nRss: 4 kB\n" +
			"7f40-7f50 r--p 00000000 08:01 16 /usr/lib/locale/C.utf8/LC_CTYPE\nRss: 8 kB\n",
			MappedFiles{Total: 4620 << 10, Tables: 3072 << 10, Logs: 516 << 10, Binary: 1024 << 10, Other: 8 << 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseSmaps([]byte(tt.raw), exe); got != tt.want {
				t.Errorf("ParseSmaps = %+v, want %+v", got, tt.want)
			}
		})
	}
}
