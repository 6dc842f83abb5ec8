package hostconf

import "testing"

// TestDiskCache writes a disk cache in each format and reads its path
// back.
func TestDiskCache(t *testing.T) {
	for _, format := range DiskCacheFormats {
		c := Config{DiskCacheFormat: format}
		content := c.DiskCache("/opt/alation/alation/.disk1_cache", "/data")
		if got := DiskCachePath(content); got != "/data" {
			t.Errorf("format %q: %q reads as %q, want /data", format, content, got)
		}
	}
	if got := DiskCachePath("# only /a comment\nnothing\n"); got != "" {
		t.Errorf("a cache without a path reads as %q", got)
	}
}
