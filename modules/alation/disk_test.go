package alation

import (
	"reflect"
	"testing"
)

// TestParseDiskCaches reads the disk caches in the wordings real hosts
// may use: the bare path, the sentence of the procedure's sample output,
// a key and a quoted value after a comment, JSON; a cache that holds no
// path keeps its text, for the error to quote.
func TestParseDiskCaches(t *testing.T) {
	tests := []struct {
		out  string
		want map[string]diskCache
	}{
		{"==> /opt/alation/alation/.disk1_cache <==\n/data\n\n==> /opt/alation/alation/.disk2_cache <==\n/backup\n",
			map[string]diskCache{"/opt/alation/alation/.disk1_cache": {"/data", "/data"}, "/opt/alation/alation/.disk2_cache": {"/backup", "/backup"}}},
		{"==> /usr/local/alation/.disk1_cache <==\n/usr/local/alation/.disk1_cache path is /data1\n",
			map[string]diskCache{"/usr/local/alation/.disk1_cache": {"/data1", "/usr/local/alation/.disk1_cache path is /data1"}}},
		{"==> a <==\n# written by alation init\npath: \"/data\"\n", map[string]diskCache{"a": {"/data", "# written by alation init\npath: \"/data\""}}},
		{"==> a <==\npath=/data/\n==> b <==\n{\"path\": \"/backup\"}\n", map[string]diskCache{"a": {"/data/", "path=/data/"}, "b": {"/backup", `{"path": "/backup"}`}}},
		{"==> a <==\n\n==> b <==\nnot a path\n", map[string]diskCache{"a": {}, "b": {"", "not a path"}}},
		{"/data\n", map[string]diskCache{"": {"/data", "/data"}}},
	}
	for _, tt := range tests {
		if got := parseDiskCaches(tt.out); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseDiskCaches(%q) = %q, want %q", tt.out, got, tt.want)
		}
	}
}

func TestParseDF(t *testing.T) {
	out := "Filesystem     1024-blocks      Used Available Capacity Mounted on\n" +
		"/dev/sda1        102400000  51200000  51200000      50% /data\n" +
		"tmpfs                 1024         0      1024       0% /backup\n"
	want := []int64{51200000 * 1024, 1024 * 1024}
	if got := parseDF(out); !reflect.DeepEqual(got, want) {
		t.Errorf("parseDF = %v, want %v", got, want)
	}
}

func TestDiskCheckValidate(t *testing.T) {
	tests := []struct {
		m     DiskCheck
		fails bool
	}{
		{DiskCheck{}, false},
		{DiskCheck{Fix: true}, true},
		{DiskCheck{Fix: true, DataPath: "/data"}, true},
		{DiskCheck{Fix: true, DataPath: "/data", BackupPath: "/backup"}, false},
		{DiskCheck{Fix: true, DataPath: "data", BackupPath: "/backup"}, true},
	}
	for _, tt := range tests {
		if err := tt.m.Validate(); (err != nil) != tt.fails {
			t.Errorf("Validate(%+v) = %v, want fails %v", tt.m, err, tt.fails)
		}
	}
}
