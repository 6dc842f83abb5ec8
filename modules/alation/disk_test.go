package alation

import (
	"reflect"
	"testing"
)

func TestParseDiskCaches(t *testing.T) {
	tests := []struct {
		out  string
		want map[string]string
	}{
		{"==> /opt/alation/alation/.disk1_cache <==\n/data\n\n==> /opt/alation/alation/.disk2_cache <==\n/backup\n",
			map[string]string{"/opt/alation/alation/.disk1_cache": "/data", "/opt/alation/alation/.disk2_cache": "/backup"}},
		{"==> /usr/local/alation/.disk1_cache <==\n/usr/local/alation/.disk1_cache path is /data1\n",
			map[string]string{"/usr/local/alation/.disk1_cache": "/data1"}},
		{"==> a <==\n\n==> b <==\nnot a path\n", map[string]string{}},
		{"/data\n", map[string]string{"": "/data"}},
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
