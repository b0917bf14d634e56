//go:build linux

package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// benchSize sums the web build as a browser downloads it: each file compressed on its own with
// gzip -9 (what a server or CDN would send), raw sizes alongside. Source maps are counted too if
// the build emits them, and named, since a browser only fetches them with devtools open.
func benchSize(c config, r *report) error {
	type file struct {
		name      string
		raw, gzip int
	}
	var files []file
	err := filepath.WalkDir(c.dist, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		if err := w.Close(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.dist, path)
		files = append(files, file{rel, len(b), z.Len()})
		return nil
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s is empty: build the frontend first (make frontend)", c.dist)
	}
	var raw, gz, maps int
	for _, f := range files {
		raw += f.raw
		gz += f.gzip
		if strings.HasSuffix(f.name, ".map") {
			maps += f.gzip
		}
	}
	slices.SortFunc(files, func(a, b file) int { return b.gzip - a.gzip })
	logf("web build: %d files, %d bytes raw, %d bytes gzipped", len(files), raw, gz)
	r.add("Web build, gzipped (sum over frontend/dist)", "— (reported)", fmt.Sprintf("%.1f KB (%.1f KB raw, %d files)", float64(gz)/1000, float64(raw)/1000, len(files)), nil)
	var b strings.Builder
	b.WriteString("Web build, largest files (gzip -9 each):\n\n| file | raw | gzipped |\n|---|---|---|\n")
	for i, f := range files {
		if i == 8 {
			fmt.Fprintf(&b, "| … %d more | | |\n", len(files)-i)
			break
		}
		fmt.Fprintf(&b, "| `%s` | %.1f KB | %.1f KB |\n", f.name, float64(f.raw)/1000, float64(f.gzip)/1000)
	}
	if maps > 0 {
		fmt.Fprintf(&b, "\nSource maps are %.1f KB of the gzipped total.\n", float64(maps)/1000)
	}
	r.detail("%s", b.String())
	return nil
}
